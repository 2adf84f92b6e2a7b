// The one place a Redis client is built: createRedis(url) over ioredis, with a close() that
// quits gracefully (and falls back to dropping the socket) so processes and tests exit cleanly.
import { Redis } from 'ioredis';
import { miroirError } from '#core/errors.ts';

export interface RedisOptions {
  /** Fails a command after this long instead of queueing forever while disconnected (default 5000 ms). */
  commandTimeoutMs?: number;
  /** Prefix for every key (ioredis keyPrefix), e.g. `miroir:`. */
  keyPrefix?: string;
  /** Connection errors (each failed reconnect); ignored when absent, commands still reject. */
  onError?: (err: Error) => void;
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
  const client = new Redis(url, {
    commandTimeout: opts.commandTimeoutMs ?? 5000,
    // Fail queued commands after a few reconnect attempts rather than holding callers for ever.
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...(opts.keyPrefix ? { keyPrefix: opts.keyPrefix } : {}),
  });
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
