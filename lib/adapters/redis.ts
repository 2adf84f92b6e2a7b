// The one place a Redis client is built: createRedis(url) over ioredis, with a close() that
// quits gracefully (and falls back to dropping the socket) so processes and tests exit cleanly.
// AUTH (user and password) and TLS (rediss://, CA and client certificate) come from the `redis`
// configuration section; checkRedis() turns a refused login into a start-up error.
import { Redis, type RedisOptions as IoRedisOptions } from 'ioredis';
import type { Config } from '#core/config/index.ts';
import { miroirError, type MiroirError } from '#core/errors.ts';
import { tlsOptionsOf, type TlsMaterial } from './tls-material.ts';

export interface RedisOptions {
  /** Fails a command after this long instead of queueing forever while disconnected (default 5000 ms). */
  commandTimeoutMs?: number;
  /** Prefix for every key (ioredis keyPrefix), e.g. `miroir:`. */
  keyPrefix?: string;
  /** Connection errors (each failed reconnect); ignored when absent, commands still reject. */
  onError?: (err: Error) => void;
  /** ACL user (Redis 6+); overrides one in the URL. */
  username?: string | undefined;
  /** AUTH password; overrides one in the URL, which then need not carry it. */
  password?: string | undefined;
  /** TLS material of a `rediss://` URL (PEM text or file paths). */
  tls?: TlsMaterial | undefined;
}

/** AUTH and TLS options of the `redis` configuration section, to spread into createRedis' options. */
export function redisSecurityOf(redis: Config['redis']): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return {
    ...(redis.username !== undefined ? { username: redis.username } : {}),
    ...(redis.password !== undefined ? { password: redis.password } : {}),
    tls: redis.tls,
  };
}

export interface RedisConnection {
  /** The ioredis client: the full command set, used only inside lib/adapters. */
  client: Redis;
  close(): Promise<void>;
}

export function createRedis(url: string, opts: RedisOptions = {}): RedisConnection {
  if (typeof url !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw miroirError(
      'miroir_invalid_config',
      `Invalid Redis URL ${JSON.stringify(url)}: expected redis://host:port[/db].`,
      { retriable: false },
    );
  }
  const options: IoRedisOptions = {
    commandTimeout: opts.commandTimeoutMs ?? 5000,
    // Fail queued commands after a few reconnect attempts rather than holding callers for ever.
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...(opts.keyPrefix ? { keyPrefix: opts.keyPrefix } : {}),
    ...(opts.username !== undefined ? { username: opts.username } : {}),
    ...(opts.password !== undefined ? { password: opts.password } : {}),
  };
  // ioredis turns TLS on for rediss:// by itself; the material only refines it.
  if (url.startsWith('rediss:') && opts.tls !== undefined) options.tls = tlsOptionsOf(opts.tls, 'redis.tls');
  const client = new Redis(url, options);
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  client.on('error', (err: Error) => opts.onError?.(err));
  let closing: Promise<void> | undefined;
  return {
    client,
    close() {
      closing ??= (async () => {
        if (client.status === 'end') return;
        const ended = new Promise<void>((r) => client.once('end', () => r()));
        if (client.status === 'ready') {
          // quit() resolves on the server's OK, before the socket closes: 'end' follows.
          await client.quit().catch(() => client.disconnect());
        } else if (client.status === 'reconnecting') {
          // Between attempts there is no socket: disconnect() just cancels the next attempt, and
          // no 'end' event follows.
          client.disconnect();
          return;
        } else {
          // Connecting: QUIT would wait for the connection; drop the socket instead.
          client.disconnect();
        }
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([ended, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}

/** A reply error meaning the server refused (or wanted) our credentials. */
function isAuthRefusal(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid (username-)?password|AUTH.*without any password/i.test(
    message,
  );
}

/**
 * Pings the server, so a start fails with a clear error instead of later commands failing one by
 * one: a refused login is `miroir_invalid_config` (not worth retrying), anything else says the
 * server does not answer.
 */
export async function checkRedis(conn: RedisConnection, what = 'Redis'): Promise<void> {
  // A failed connection (refused, TLS handshake) only shows in 'error' events; the command itself
  // fails with "max retries", so the last connection error is what the message reports.
  let connectionError: Error | undefined;
  const onError = (err: Error): void => {
    connectionError = err;
  };
  conn.client.on('error', onError);
  try {
    await conn.client.ping();
  } catch (err) {
    throw redisStartError(err, what, connectionError);
  } finally {
    conn.client.off('error', onError);
  }
}

function redisStartError(err: unknown, what: string, connectionError: Error | undefined): MiroirError {
  const message = err instanceof Error ? err.message : String(err);
  const reason =
    connectionError !== undefined && connectionError.message !== message
      ? `${message}; last connection error: ${connectionError.message}`
      : message;
  if (isAuthRefusal(err))
    return miroirError(
      'miroir_invalid_config',
      `${what} refused the login (${reason}). Check redis.username and redis.password.`,
      { retriable: false, cause: err },
    );
  return miroirError('internal', `${what} does not answer: ${reason}`, { retriable: true, cause: err });
}
