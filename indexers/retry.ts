// Capped exponential back-off for node calls that failed for a transient reason (node down,
// 5xx, timeout): the indexer never skips an event, it waits and tries again until the node
// answers or the applier is told to stop.
import { isRetriableNodeFailure } from '#adapters/node-client.ts';

export interface RetryPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /**
   * Attempts of a request the node keeps *answering* with an error (5xx, a task failed for its
   * own reasons) before that error becomes the task's: a node that is up but refuses one request
   * must not wedge its partition. An unreachable node is retried without limit. Default 5.
   */
  readonly maxAnsweredAttempts?: number;
}

export const DEFAULT_MAX_ANSWERED_ATTEMPTS = 5;

/** Thrown when the applier stops (shutdown, rebalance) while work was pending; nothing was committed. */
export class ApplyAbortedError extends Error {
  constructor() {
    super('apply aborted: the applier is stopping or lost the partition');
    this.name = 'ApplyAbortedError';
  }
}

export function isApplyAborted(err: unknown): err is ApplyAbortedError {
  return err instanceof ApplyAbortedError;
}

export interface RetryHooks {
  /** False once the caller must give up (the partition moved, or the process stops). */
  isRunning(): boolean;
  /** Called between attempts, e.g. to heartbeat the consumer group and log. */
  onRetry?(err: unknown, attempt: number, delayMs: number): Promise<void> | void;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** The delay before attempt `attempt` (1-based): initial · 2^(attempt-1), capped, with ±20 % jitter. */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds or fails for a non-transient reason (which is rethrown). Sleeps in
 * short steps so a stop request is honoured within about 100 ms even during a long back-off.
 */
export async function retryTransient<T>(
  policy: RetryPolicy,
  hooks: RetryHooks,
  fn: () => Promise<T>,
): Promise<T> {
  const sleep = hooks.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    if (!hooks.isRunning()) throw new ApplyAbortedError();
    try {
      return await fn();
    } catch (err) {
      if (!isRetriableNodeFailure(err)) throw err;
      const wait = backoffDelay(policy, attempt);
      await hooks.onRetry?.(err, attempt, wait);
      for (let slept = 0; slept < wait; slept += 100) {
        if (!hooks.isRunning()) throw new ApplyAbortedError();
        await sleep(Math.min(100, wait - slept));
      }
    }
  }
}
