// `miroir serve` stopped by SIGTERM while its roles are still starting: it closes what started
// (roles that started, the role that was starting once its start settles), never listens, and
// exits 0 when everything closed in time, 1 when something could not close within
// `shutdown.timeoutMs`, instead of dying half-started or hanging.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '#test/helpers/cluster.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Children still running when a test ends (it failed before they exited): killed, never left behind. */
const running = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  running.clear();
});

interface ServeChild {
  /** Resolves with the exit code, or the signal name when a signal killed the process. */
  readonly exited: Promise<number | string>;
  output(): string;
  signal(name: NodeJS.Signals): void;
}

function startServe(env: Record<string, string>): ServeChild {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'miroir.js'), 'serve', '--port', '0'], {
    env: {
      ...(process.env as Record<string, string>),
      MIROIR_HTTP__HOST: '127.0.0.1',
      MIROIR_LOGGING__LEVEL: 'info',
      MIROIR_METRICS__ENABLED: 'false',
      MIROIR_NODES: JSON.stringify([{ id: 'n1', url: 'http://127.0.0.1:9', group: 'g1' }]),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { exited, output: () => output, signal: (name) => child.kill(name) };
}

/**
 * A serve against a broker nobody listens on (port 9, discard: connections are refused and
 * retried), once one of `roles` is starting: its startup cannot finish.
 */
async function startStuckServe(roles: string, shutdownTimeoutMs: number): Promise<ServeChild> {
  const serve = startServe({
    MIROIR_ROLES: roles,
    MIROIR_KAFKA__BROKERS: '127.0.0.1:9',
    MIROIR_KAFKA__TOPIC_PREFIX: `${uniqueName('sig')}.`,
    MIROIR_SHUTDOWN__TIMEOUT_MS: String(shutdownTimeoutMs),
  });
  await waitUntil(
    'a role to be starting',
    () => messages(serve.output()).some((m) => m.endsWith(': starting')) || serve.output().slice(-400),
    60_000,
  );
  return serve;
}

/** Log lines (pino JSON) of the child, by message. */
function messages(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');
}

describe('SIGTERM during startup', () => {
  it('stops a serve whose roles are starting against the real Kafka: closes what started, exits 0, never listens', async () => {
    const prefix = `${uniqueName('sig')}.`;
    const serve = startServe({
      MIROIR_ROLES: 'projections,indexer,query,ingest',
      MIROIR_KAFKA__BROKERS: kafkaBrokers(),
      MIROIR_KAFKA__TOPIC_PREFIX: prefix,
    });
    // Signalled once the first role has started and the next one is on its way.
    await waitUntil(
      'a role to be starting after another started',
      () => {
        const msgs = messages(serve.output());
        return (
          (msgs.some((m) => m.endsWith(': started')) &&
            msgs.filter((m) => m.endsWith(': starting')).length >= 2) ||
          serve.output().slice(-400)
        );
      },
      90_000,
    );
    serve.signal('SIGTERM');
    const code = await serve.exited;
    const msgs = messages(serve.output());
    expect(code, serve.output()).toBe(0);
    expect(msgs).toContain('stop requested during startup');
    expect(msgs).toContain('shutdown complete');
    expect(msgs.some((m) => m.startsWith('listening on'))).toBe(false);
    // Every role that started (and the one that was starting) was closed without error or timeout.
    expect(msgs.filter((m) => m === 'closer failed')).toEqual([]);
    expect(msgs).not.toContain('shutdown timed out');
  });

  it('with an unreachable broker, stops within the shutdown deadline and exits 1 (a role could not close in time)', async () => {
    const serve = await startStuckServe('projections,ingest', 1000);
    const signalled = Date.now();
    serve.signal('SIGTERM');
    const code = await serve.exited;
    expect(code, serve.output()).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    const msgs = messages(serve.output());
    expect(msgs).toContain('stop requested during startup');
    expect(msgs).toContain('shutdown timed out');
    expect(msgs.some((m) => m.startsWith('listening on'))).toBe(false);
  });

  it('a second signal during a stuck startup shutdown forces exit 1 at once', async () => {
    const serve = await startStuckServe('projections', 60_000);
    serve.signal('SIGTERM');
    await waitUntil(
      'the stop to be under way',
      () => messages(serve.output()).includes('shutting down'),
      10_000,
    );
    const signalled = Date.now();
    serve.signal('SIGINT');
    expect(await serve.exited).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(5_000);
  });
});
