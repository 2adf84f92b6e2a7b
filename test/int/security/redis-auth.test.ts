// Redis with AUTH and TLS, from the project's own script: a password-protected server, and a
// TLS-only one with its self-signed certificate. Miroir's client logs in (with the password
// from configuration, not the URL), a wrong or missing password is a clear error at start, and a
// cluster keeps its task store in the password-protected Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedis, createRedis, type RedisConnection } from '#adapters/redis.ts';
import { startTestCluster } from '#test/helpers/cluster.ts';
import { uniqueName } from '#test/helpers/services.ts';
import { startRedis, type RedisHandle } from '../../../scripts/redis.ts';
import { makeTestCertificate, type TestCertificate } from './certs.ts';

const PASSWORD = 'redis-auth-pw-7f3a';

let plain: RedisHandle;
let secure: RedisHandle;
let cert: TestCertificate;
const connections: RedisConnection[] = [];

function connect(url: string, opts: Parameters<typeof createRedis>[1]): RedisConnection {
  const conn = createRedis(url, { commandTimeoutMs: 2000, ...opts });
  connections.push(conn);
  return conn;
}

beforeAll(async () => {
  cert = makeTestCertificate();
  [plain, secure] = await Promise.all([
    startRedis({ password: PASSWORD }),
    startRedis({
      password: PASSWORD,
      tls: { certFile: cert.certFile, keyFile: cert.keyFile, caFile: cert.caFile },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await Promise.all([plain?.stop(), secure?.stop()]);
  cert?.remove();
});

describe('Redis AUTH', () => {
  it('given the password, when a command runs, then it succeeds; the URL carries no secret', async () => {
    expect(plain.url).not.toContain(PASSWORD);
    const conn = connect(plain.url, { password: PASSWORD });
    await checkRedis(conn);
    const key = uniqueName('k');
    await conn.client.set(key, 'v');
    expect(await conn.client.get(key)).toBe('v');
  });

  it('given a wrong password, when checked at start, then it fails with miroir_invalid_config naming the keys', async () => {
    const conn = connect(plain.url, { password: 'wrong-password' });
    await expect(checkRedis(conn)).rejects.toMatchObject({
      code: 'miroir_invalid_config',
      message: expect.stringMatching(
        /refused the login \(WRONGPASS.*Check redis\.username and redis\.password\./,
      ),
    });
  });

  it('given no password, when checked at start, then the refusal (NOAUTH) is reported the same way', async () => {
    const conn = connect(plain.url, {});
    await expect(checkRedis(conn)).rejects.toMatchObject({
      code: 'miroir_invalid_config',
      message: expect.stringContaining('NOAUTH'),
    });
  });
});

describe('Redis over TLS', () => {
  it('given the server certificate as CA, when connecting to the rediss URL, then commands succeed', async () => {
    expect(secure.url.startsWith('rediss://')).toBe(true);
    const conn = connect(secure.url, { password: PASSWORD, tls: { ca: cert.caFile } });
    await checkRedis(conn);
    expect(await conn.client.ping()).toBe('PONG');
  });

  it('given no CA for a self-signed server, when connecting, then the certificate is refused', async () => {
    const conn = connect(secure.url, { password: PASSWORD, commandTimeoutMs: 1000 });
    await expect(checkRedis(conn)).rejects.toMatchObject({
      message: expect.stringMatching(
        /does not answer: .*last connection error: .*self[- ]signed certificate/,
      ),
    });
  });
});

describe('a cluster whose task store is a password-protected Redis', () => {
  it('given redis.password in configuration, when a write is made, then its task is read back through Redis', async () => {
    const cluster = await startTestCluster({
      nodes: 1,
      shards: 2,
      rf: 1,
      overrides: { redis: { url: plain.url, password: PASSWORD }, tasks: { store: 'redis' } },
    });
    try {
      const index = uniqueName('tasks');
      const task = await cluster.sdk.index(index).addDocuments([{ id: 1, title: 'kept' }]);
      const done = await cluster.sdk.tasks.waitForTask(task.taskUid, { timeout: 60_000, interval: 100 });
      expect(done.status).toBe('succeeded');
      const conn = connect(plain.url, { password: PASSWORD });
      expect((await conn.client.keys('miroir:*')).length).toBeGreaterThan(0);
    } finally {
      await cluster.close();
    }
  });

  it('given a wrong redis.password, when the cluster starts, then it fails with the Redis keys to check', async () => {
    await expect(
      startTestCluster({
        nodes: 1,
        shards: 1,
        rf: 1,
        overrides: {
          logging: { level: 'silent' },
          redis: { url: plain.url, password: 'wrong-password' },
          tasks: { store: 'redis' },
        },
      }),
    ).rejects.toMatchObject({
      code: 'miroir_invalid_config',
      message: expect.stringContaining('redis.password'),
    });
  });
});
