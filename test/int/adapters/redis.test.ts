// The Redis factory against the run's real redis-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisConnection } from '#adapters/redis.ts';
import { MiroirError } from '#core/errors.ts';
import { redisUrl, uniqueName } from '#test/helpers/services.ts';

let redis: RedisConnection;

beforeAll(() => {
  redis = createRedis(redisUrl());
});

afterAll(async () => {
  await redis?.close();
});

describe('createRedis', () => {
  it('sets and gets values, with expiry', async () => {
    const key = uniqueName('k');
    expect(await redis.client.get(key)).toBeNull();
    expect(await redis.client.set(key, 'value', 'EX', 60)).toBe('OK');
    expect(await redis.client.get(key)).toBe('value');
    const ttl = await redis.client.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await redis.client.del(key)).toBe(1);
  });

  it('applies a key prefix', async () => {
    const prefix = `${uniqueName('p')}:`;
    const prefixed = createRedis(redisUrl(), { keyPrefix: prefix });
    try {
      await prefixed.client.set('a', '1');
      expect(await redis.client.get(`${prefix}a`)).toBe('1');
    } finally {
      await prefixed.client.del('a');
      await prefixed.close();
    }
  });

  it('closes cleanly, twice', async () => {
    const conn = createRedis(redisUrl());
    expect(await conn.client.ping()).toBe('PONG');
    await conn.close();
    await conn.close();
    expect(conn.client.status).toBe('end');
  });

  it('rejects a malformed URL with a clear error', () => {
    expect(() => createRedis('localhost:6379')).toThrow(MiroirError);
    expect(() => createRedis('localhost:6379')).toThrow(/Invalid Redis URL/);
  });

  it('fails commands against a server that is not there', async () => {
    const dead = createRedis('redis://127.0.0.1:1', { commandTimeoutMs: 500 });
    try {
      await expect(dead.client.ping()).rejects.toThrow();
    } finally {
      await dead.close();
    }
  });
});
