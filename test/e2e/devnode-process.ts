// A devnode in a child process (`bin/miroir.js devnode --port P --data DIR`), so an end-to-end
// test can crash it for real with SIGKILL (no close, no flush) and start it again on the same
// data folder and port, as an operator restarting a crashed node would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface DevnodeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal name when a signal ended the process. */
  readonly exited: Promise<number | string>;
  /** SIGKILL and wait until the process is gone. */
  kill9(): Promise<number | string>;
  /** SIGTERM (the devnode closes cleanly) and wait until the process is gone. */
  stop(): Promise<number | string>;
}

/** Starts a devnode process on `dir` and `port` (0: a free one); resolves once it listens. */
export function spawnDevnodeProcess(dir: string, port: number): Promise<DevnodeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'miroir.js'), 'devnode', '--port', String(port), '--data', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const exited = new Promise<number | string>((done) =>
      child.once('exit', (code, signal) => done(code ?? signal ?? -1)),
    );
    const keep = (chunk: Buffer): void => {
      out = (out + chunk.toString('utf8')).slice(-10_000);
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match === null) return;
      child.stdout.off('data', keep);
      const end = (signal: NodeJS.Signals) => async (): Promise<number | string> => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      };
      resolve({ url: match[1] as string, child, exited, kill9: end('SIGKILL'), stop: end('SIGTERM') });
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', (chunk: Buffer) => (out = (out + chunk.toString('utf8')).slice(-10_000)));
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`devnode exited (${code}) before listening: ${out}`)));
  });
}
