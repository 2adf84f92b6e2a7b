// A real Meilisearch binary, found and run as a child process: `miroir dev --meilisearch` runs its
// cluster nodes on it, and the conformance tests use it as the reference devnode is compared with.
// Each process listens on a loopback port of its own, keeps its files under one folder, and is
// stopped by its pid (never by name: other Meilisearch processes on the machine are not ours).
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where a binary was found, so a caller can say which one runs. */
export interface MeilisearchBinary {
  readonly path: string;
  readonly source: 'MEILISEARCH_BIN' | 'PATH' | 'shared';
}

/** True for a file this process may execute (a binary given by its path is checked with it). */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Meilisearch binary to run: `MEILISEARCH_BIN`, else `meilisearch` on the PATH, else the copy
 * beside the repository (`<repo>/../shared/bin/meilisearch`); undefined when none exists.
 * A `MEILISEARCH_BIN` that is not an executable file is not skipped silently: it throws, since the
 * user asked for that one.
 */
export function findMeilisearchBinary(
  env: Readonly<Record<string, string | undefined>>,
): MeilisearchBinary | undefined {
  const given = env.MEILISEARCH_BIN;
  if (given !== undefined && given !== '') {
    const path = resolve(given);
    if (!isExecutableFile(path)) throw new Error(`MEILISEARCH_BIN=${given} is not an executable file`);
    return { path, source: 'MEILISEARCH_BIN' };
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, 'meilisearch');
    if (isExecutableFile(path)) return { path, source: 'PATH' };
  }
  const shared = resolve(repoRoot, '..', 'shared', 'bin', 'meilisearch');
  return isExecutableFile(shared) ? { path: shared, source: 'shared' } : undefined;
}

export interface MeilisearchProcessOptions {
  /** Path of the binary (see findMeilisearchBinary). */
  bin: string;
  /** Database folder; default a fresh temporary folder, removed on close. */
  dbPath?: string;
  /** Loopback port; default a free one. A restart passes the port it had, so its URL stays. */
  port?: number;
  masterKey?: string;
  /** How long to wait for GET /health (default 30 s). */
  startTimeoutMs?: number;
}

export interface RunningMeilisearch {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dbPath: string;
  /** The last lines the process wrote, for error messages. */
  output(): string;
  /** SIGTERM by pid, SIGKILL after 10 s; removes the database folder if it was a temporary one. */
  close(): Promise<void>;
}

/** A port the kernel just handed out on 127.0.0.1; another process may take it first (startMeilisearch retries). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts one Meilisearch and resolves once GET /health answers; rejects (process stopped) otherwise. */
export async function startMeilisearch(opts: MeilisearchProcessOptions): Promise<RunningMeilisearch> {
  // A picked port can be taken between the probe and the bind: try a fresh one a few times.
  const attempts = opts.port === undefined ? 3 : 1;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      return await startOnce(opts, opts.port ?? (await freeLoopbackPort()));
    } catch (err) {
      lastError = err as Error;
    }
  }
  throw lastError ?? new Error('meilisearch did not start');
}

async function startOnce(opts: MeilisearchProcessOptions, port: number): Promise<RunningMeilisearch> {
  const temporary = opts.dbPath === undefined;
  const dbPath = opts.dbPath ?? mkdtempSync(join(tmpdir(), 'miroir-meili-'));
  mkdirSync(dbPath, { recursive: true });
  // Dumps and snapshots default to folders under the working directory: keep them with the data.
  const args = [
    '--db-path',
    join(dbPath, 'data.ms'),
    '--dump-dir',
    join(dbPath, 'dumps'),
    '--snapshot-dir',
    join(dbPath, 'snapshots'),
    '--http-addr',
    `127.0.0.1:${port}`,
    '--no-analytics',
    '--log-level',
    'WARN',
    ...(opts.masterKey !== undefined ? ['--master-key', opts.masterKey] : []),
  ];
  const child = spawn(opts.bin, args, { cwd: dbPath, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((done) => {
    child.once('exit', () => done());
    child.once('error', (err) => {
      keep(Buffer.from(`spawn failed: ${err.message}\n`));
      done();
    });
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (child.pid !== undefined && !gone()) {
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => {
          if (child.pid !== undefined && !gone()) process.kill(child.pid, 'SIGKILL');
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (temporary) rmSync(dbPath, { recursive: true, force: true });
    })();
    return closing;
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (gone() || child.pid === undefined) {
      await close();
      throw new Error(`meilisearch (${opts.bin}) exited before answering on ${url}:\n${output.trim()}`);
    }
    if (await healthy(url)) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(
        `meilisearch (${opts.bin}) did not answer GET ${url}/health in time:\n${output.trim()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, pid: child.pid, dbPath, output: () => output, close };
}
