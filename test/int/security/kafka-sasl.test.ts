// Kafka secured by SASL SCRAM-SHA-512 and TLS, from the project's own broker script: a broker of
// this file's own (own ports and data dir, the shared test broker untouched) with a SASL_PLAINTEXT
// listener, a SASL_SSL one, and a user created when its storage is formatted. The role clients
// produce and consume over both, a small cluster writes and searches over SCRAM, and a wrong
// password stops the start at once with an error that names the keys to check, in process and
// through `miroir serve` configured from the environment.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Meilisearch } from 'meilisearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, type ConsumedMessage, type KafkaClientConfig } from '#adapters/kafka.ts';
import { startLocalCluster } from '../../../cli/local-cluster.ts';
import { startKafka, type KafkaHandle } from '../../../scripts/kafka.ts';
import { uniqueName } from '#test/helpers/services.ts';
import { makeTestCertificate, type TestCertificate } from './certs.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const USER = { username: 'miroir', password: 'scram0secret0pw' };
const SASL = { mechanism: 'scram-sha-512', ...USER } as const;
/** The roles of the write and search path (the changelog role, with its on-disk state, is not needed here). */
const CLUSTER_ROLES = ['projections', 'indexer', 'query', 'ingest'] as const;

let kafka: KafkaHandle;
let cert: TestCertificate;

beforeAll(async () => {
  cert = makeTestCertificate();
  kafka = await startKafka({ scram: USER, tls: { certFile: cert.certFile, keyFile: cert.keyFile } });
}, 180_000);

afterAll(async () => {
  await kafka?.stop();
  cert?.remove();
});

/** Creates a topic, produces three records and reads them back through a consumer group. */
async function roundTrip(config: KafkaClientConfig): Promise<string[]> {
  const client = createKafkaClient(config);
  const admin = await client.admin();
  const producer = await client.producer();
  const topic = uniqueName('secured');
  const seen: ConsumedMessage[] = [];
  const consumer = client.partitionConsumer({
    groupId: uniqueName('g'),
    partitions: [{ topic, partitions: [0] }],
    handler: async (batch) => {
      seen.push(...batch.messages);
    },
  });
  try {
    expect(await admin.createTopic({ topic, partitions: 1 })).toBe(true);
    await producer.send(['a', 'b', 'c'].map((value) => ({ topic, partition: 0, value })));
    await consumer.start();
    const deadline = Date.now() + 30_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return seen.map((m) => m.value?.toString() ?? '');
  } finally {
    await consumer.stop();
    await producer.close();
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.close();
  }
}

/** Runs `miroir serve` with only these MIROIR_* variables; resolves with its exit code and output. */
function serve(
  vars: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; output: string; ms: number }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !name.startsWith('MIROIR_')) env[name] = value;
  const started = Date.now();
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'miroir.js'), 'serve', '--port', '0'], {
    env: { ...env, ...vars },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A start that hangs instead of failing is the bug this guards against: cut it off.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    }),
  );
}

describe('Kafka with SASL SCRAM-SHA-512', () => {
  it('given the user created at format time, when the role clients produce and consume over SASL_PLAINTEXT, then records round-trip', async () => {
    expect(await roundTrip({ brokers: kafka.brokers, clientId: 'scram-test', sasl: SASL })).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('given the TLS listener and the broker certificate as CA, when the clients use SASL_SSL, then records round-trip', async () => {
    expect(
      await roundTrip({
        brokers: kafka.tlsBrokers ?? '',
        clientId: 'scram-tls-test',
        sasl: SASL,
        tls: { ca: cert.caFile },
      }),
    ).toEqual(['a', 'b', 'c']);
  });

  it('given the TLS listener but no CA for its self-signed certificate, when a client connects, then the certificate is refused', async () => {
    const client = createKafkaClient({
      brokers: kafka.tlsBrokers ?? '',
      clientId: 'untrusted-tls-test',
      sasl: SASL,
      tls: {},
      retries: 1,
    });
    await expect(client.admin()).rejects.toMatchObject({
      message: expect.stringMatching(/Kafka admin connect failed: .*self[- ]signed certificate/),
    });
  });

  it('given a cluster configured with kafka.sasl, when a document is written and searched, then it is found', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'miroir-scram-'));
    const cluster = await startLocalCluster({
      brokers: kafka.brokers,
      nodes: 1,
      shards: 2,
      replicationFactor: 1,
      dataDir,
      port: 0,
      roles: CLUSTER_ROLES,
      overrides: {
        logging: { level: 'warn' },
        metrics: { enabled: false },
        indexer: { lingerMs: 20 },
        kafka: { topicPrefix: `${uniqueName('scram')}.`, sasl: SASL },
      },
    });
    try {
      const sdk = new Meilisearch({ host: cluster.url });
      const task = await sdk.index('books').addDocuments([
        { id: 1, title: 'The secured broker' },
        { id: 2, title: 'Plain text elsewhere' },
      ]);
      expect((await sdk.tasks.waitForTask(task.taskUid, { timeout: 60_000, interval: 100 })).status).toBe(
        'succeeded',
      );
      const found = await sdk.index('books').search('secured');
      expect(found.hits.map((h) => h.id)).toEqual([1]);
    } finally {
      await cluster.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('given a wrong password, when a cluster starts, then it fails at once with an error naming the SASL keys', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'miroir-scram-'));
    const started = Date.now();
    try {
      await expect(
        startLocalCluster({
          brokers: kafka.brokers,
          nodes: 1,
          shards: 1,
          dataDir,
          port: 0,
          roles: CLUSTER_ROLES,
          overrides: {
            logging: { level: 'silent' },
            metrics: { enabled: false },
            kafka: {
              topicPrefix: `${uniqueName('scram')}.`,
              sasl: { ...SASL, password: 'not-the-password' },
            },
          },
        }),
      ).rejects.toMatchObject({
        code: 'miroir_kafka_error',
        message: expect.stringMatching(
          /SASL SCRAM SHA512 authentication failed.*Check kafka\.sasl\.mechanism, kafka\.sasl\.username and kafka\.sasl\.password\./s,
        ),
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    // No retry loop: refused credentials are not worth retrying.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('given a wrong MIROIR_KAFKA__SASL__PASSWORD, when miroir serve starts, then it exits 1 with the SASL error', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'miroir-scram-serve-'));
    try {
      const run = await serve(
        {
          MIROIR_KAFKA__BROKERS: kafka.brokers,
          MIROIR_KAFKA__TOPIC_PREFIX: `${uniqueName('scram')}.`,
          MIROIR_KAFKA__SASL__MECHANISM: 'scram-sha-512',
          MIROIR_KAFKA__SASL__USERNAME: USER.username,
          MIROIR_KAFKA__SASL__PASSWORD: 'wrong-password-from-env',
          MIROIR_HTTP__HOST: '127.0.0.1',
          MIROIR_LOGGING__LEVEL: 'warn',
        },
        cwd,
      );
      expect(run.code).toBe(1);
      expect(run.output).toMatch(
        /miroir serve: startup failed: MiroirError: Kafka admin connect failed: SASL SCRAM SHA512 authentication failed.*Check kafka\.sasl\.mechanism/,
      );
      expect(run.output).not.toContain('wrong-password-from-env');
      expect(run.ms).toBeLessThan(30_000);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
