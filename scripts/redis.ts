// Starts Debian's `redis-server` on a free 127.0.0.1 port in a temp dir, without persistence,
// for tests and local runs, optionally with a password (AUTH) and TLS only.
// Library: startRedis(). CLI: `node --import tsx scripts/redis.ts start`.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './kafka.ts';

export interface StartRedisOptions {
  /** Port to listen on; a free one when absent. */
  port?: number;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Require AUTH with this password (`--requirepass`). */
  password?: string;
  /** Serve TLS only, on the port (`--tls-port`, plain port off); clients need not present a certificate. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export interface RedisHandle {
  /** `redis://127.0.0.1:<port>` (`rediss://` with TLS) for REDIS_URL / ioredis; it carries no password. */
  url: string;
  pid: number;
  startMs: number;
  stop(): Promise<void>;
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const log = opts.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), 'miroir-redis-'));
  const port = opts.port ?? (await freePort());
  const logFile = join(dir, 'redis.log');
  const started = Date.now();
  // Test data is throw-away: no RDB snapshots, no AOF, nothing written outside the temp dir.
  const security = [
    ...(opts.password !== undefined ? ['--requirepass', opts.password] : []),
    ...(opts.tls !== undefined
      ? [
          '--tls-port',
          String(port),
          '--tls-cert-file',
          opts.tls.certFile,
          '--tls-key-file',
          opts.tls.keyFile,
          '--tls-ca-cert-file',
          opts.tls.caFile,
          '--tls-auth-clients',
          'optional',
        ]
      : []),
  ];
  const child = spawn(
    'redis-server',
    [
      '--port',
      opts.tls !== undefined ? '0' : String(port),
      ...security,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      logFile,
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let consoleTail = '';
  const keep = (chunk: Buffer): void => {
    consoleTail = (consoleTail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<string>((resolveExit) => {
    child.on('error', (err) =>
      resolveExit(
        `cannot run redis-server (${err.message}); install it (Debian: apt-get install redis-server)`,
      ),
    );
    child.on('exit', (code, signal) => resolveExit(`redis-server exited (${signal ?? code})`));
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  const problem = await Promise.race([
    waitForPong(port, timeoutMs, '127.0.0.1', { password: opts.password, tls: opts.tls !== undefined }).then(
      (ok) => (ok ? null : `no PONG within ${timeoutMs} ms`),
    ),
    exited,
  ]);
  if (problem !== null) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    const logTail = await readFile(logFile, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `Redis did not start: ${problem}\n${logTail.split('\n').slice(-20).join('\n')}\n${consoleTail}`,
    );
  }
  const startMs = Date.now() - started;
  const url = `${opts.tls !== undefined ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  log(`Redis ready at ${url} in ${startMs} ms (pid ${child.pid})`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return { url, pid: child.pid ?? -1, startMs, stop };
}

/** RESP encoding of one command, so a password is sent as it is, whatever its characters. */
function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Sends PING (after AUTH when a password is given) until the server answers +PONG (a loading
 * server answers -LOADING instead). `tls` connects over TLS without checking the certificate.
 */
export async function waitForPong(
  port: number,
  timeoutMs: number,
  host = '127.0.0.1',
  opts: { password?: string | undefined; tls?: boolean } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const request = (opts.password !== undefined ? resp('AUTH', opts.password) : '') + resp('PING');
  while (Date.now() < deadline) {
    const answer = await new Promise<string>((resolveAnswer) => {
      const socket: Socket = opts.tls
        ? connectTls({ host, port, rejectUnauthorized: false })
        : createConnection({ host, port });
      let data = '';
      socket.setTimeout(1000, () => socket.destroy());
      socket.on(opts.tls ? 'secureConnect' : 'connect', () => socket.write(request));
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (/\+PONG\r\n|^-/m.test(data)) socket.end();
      });
      socket.on('close', () => resolveAnswer(data));
      socket.on('error', () => {});
    });
    if (answer.includes('+PONG')) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...rest] = process.argv.slice(2);
  const portFlag = rest.indexOf('--port');
  const portText = portFlag >= 0 ? rest[portFlag + 1] : undefined;
  const port = portText === undefined ? 6379 : Number(portText);
  if (command !== 'start') {
    console.error('usage: node --import tsx scripts/redis.ts start [--port N]');
    process.exitCode = 2;
  } else if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`invalid --port '${portText}': expected an integer in 1..65535`);
    process.exitCode = 2;
  } else {
    const redis = await startRedis({ port, log: (l) => console.log(`[redis] ${l}`) });
    console.log(`REDIS_URL=${redis.url}`);
    await new Promise<void>((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
    });
    await redis.stop();
  }
}
