// Graceful shutdown: closers registered by phase run once, phase by phase, under one deadline:
// stop intake (close the HTTP server), finish in-flight work, commit consumer offsets, close
// clients. SIGTERM/SIGINT trigger it; tests call shutdown() directly.
import type { Logger } from './logger.ts';

export const SHUTDOWN_PHASES = ['stop-intake', 'drain', 'commit', 'close-clients'] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

export interface ShutdownResult {
  /** 0 when every closer finished in time without error, else 1. */
  exitCode: 0 | 1;
  reason: string;
  timedOut: boolean;
  failures: Array<{ name: string; error: string }>;
  durationMs: number;
}

export interface Lifecycle {
  /** Adds a closer; within a phase closers run one after the other, in registration order. */
  register(phase: ShutdownPhase, name: string, close: () => Promise<void>): void;
  /** Runs every closer once; later calls return the same result. */
  shutdown(reason?: string): Promise<ShutdownResult>;
  /** True once shutdown has begun. */
  readonly stopping: boolean;
  /** Resolves with the result when shutdown completes, however it was started. */
  readonly done: Promise<ShutdownResult>;
}

/** The part of `process` the signal wiring needs, so tests can pass a fake. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
}

export interface CreateLifecycleOptions {
  logger: Logger;
  /** Deadline for the whole shutdown; pending closers are abandoned after it. */
  timeoutMs: number;
}

interface Closer {
  phase: ShutdownPhase;
  name: string;
  close: () => Promise<void>;
}

export function createLifecycle(opts: CreateLifecycleOptions): Lifecycle {
  const closers: Closer[] = [];
  let running: Promise<ShutdownResult> | undefined;
  let resolveDone: (r: ShutdownResult) => void = () => {};
  const done = new Promise<ShutdownResult>((resolve) => {
    resolveDone = resolve;
  });

  async function runAll(reason: string): Promise<ShutdownResult> {
    const started = Date.now();
    const failures: ShutdownResult['failures'] = [];
    let current = '';
    opts.logger.info({ reason }, 'shutting down');
    const work = (async () => {
      for (const phase of SHUTDOWN_PHASES) {
        for (const closer of closers.filter((c) => c.phase === phase)) {
          current = `${phase}/${closer.name}`;
          try {
            await closer.close();
          } catch (err) {
            // Keep going: a failed closer must not leave later clients (offsets, sockets) open.
            failures.push({ name: closer.name, error: err instanceof Error ? err.message : String(err) });
            opts.logger.error({ err, closer: closer.name, phase }, 'closer failed');
          }
        }
      }
      return false;
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), opts.timeoutMs);
      timer.unref();
    });
    const timedOut = await Promise.race([work, deadline]);
    clearTimeout(timer);
    if (timedOut) opts.logger.error({ pending: current, timeoutMs: opts.timeoutMs }, 'shutdown timed out');
    const result: ShutdownResult = {
      exitCode: timedOut || failures.length > 0 ? 1 : 0,
      reason,
      timedOut,
      failures,
      durationMs: Date.now() - started,
    };
    opts.logger.info({ exitCode: result.exitCode, ms: result.durationMs }, 'shutdown complete');
    resolveDone(result);
    return result;
  }

  return {
    register(phase, name, close) {
      if (running) throw new Error(`cannot register "${name}": shutdown has begun`);
      closers.push({ phase, name, close });
    },
    shutdown(reason = 'requested') {
      running ??= runAll(reason);
      return running;
    },
    get stopping() {
      return running !== undefined;
    },
    done,
  };
}

/**
 * Runs shutdown on the first SIGTERM or SIGINT. A second signal calls `forceExit` (Ctrl-C twice
 * means "now"). Returns a function that removes the handlers.
 */
export function handleSignals(
  lifecycle: Lifecycle,
  source: SignalSource,
  forceExit: (code: number) => void,
): () => void {
  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => () => {
    if (lifecycle.stopping) {
      forceExit(1);
      return;
    }
    void lifecycle.shutdown(signal);
  };
  const term = onSignal('SIGTERM');
  const int = onSignal('SIGINT');
  source.on('SIGTERM', term);
  source.on('SIGINT', int);
  return () => {
    source.off('SIGTERM', term);
    source.off('SIGINT', int);
  };
}

/**
 * Runs a startup with SIGTERM/SIGINT already handled: the first signal aborts the signal given to
 * `start` (which stops what it started), a second forces exit 1. The handlers are removed when
 * `start` settles; the caller installs its run-time handlers (handleSignals) right after.
 */
export async function withStartupSignals<T>(start: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => (): void => {
    if (controller.signal.aborted) process.exit(1);
    controller.abort(signal);
  };
  const term = onSignal('SIGTERM');
  const int = onSignal('SIGINT');
  process.on('SIGTERM', term);
  process.on('SIGINT', int);
  try {
    return await start(controller.signal);
  } finally {
    process.off('SIGTERM', term);
    process.off('SIGINT', int);
  }
}
