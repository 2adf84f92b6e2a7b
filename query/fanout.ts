// The scatter half of a read: sends one request per node of the covering set, each with a deadline;
// a node that fails or times out has its shards re-planned on other replicas (same group first,
// then other groups); a slow node can be hedged after a delay, and whichever of the two loses is
// cancelled. What nobody could serve comes back as `uncovered`, never as a silent gap. A node's
// own rejection of the request (4xx) fails it whole.
import { isRetriableNodeFailure } from '#adapters/node-client.ts';
import { miroirError } from '#core/errors.ts';
import type { PlacementTable } from '#core/routing/index.ts';
import type { AssignOptions, ReplicaSelector } from './covering.ts';

export interface NodeCall {
  readonly node: string;
  readonly group: string;
  /** The shards this node answers for, ascending. */
  readonly shards: readonly number[];
}

export interface FanoutAnswer<T> extends NodeCall {
  readonly body: T;
}

export interface FanoutFailure {
  readonly node: string;
  readonly shards: readonly number[];
  readonly error: unknown;
}

export interface FanoutResult<T> {
  /** Disjoint answers: every covered shard appears in exactly one. */
  readonly answers: FanoutAnswer<T>[];
  readonly uncovered: number[];
  readonly failures: FanoutFailure[];
  readonly hedges: number;
}

export interface FanoutOptions {
  readonly selector: ReplicaSelector;
  /** Time one node has to answer before its shards are retried elsewhere. */
  readonly perShardTimeoutMs: number;
  /** Hedge a node still silent after this long on other replicas; 0 turns hedging off. */
  readonly hedgeDelayMs: number;
  readonly eligible?: AssignOptions['eligible'];
  /** Called when a node fails (for logs and metrics). */
  readonly onFailure?: (failure: FanoutFailure) => void;
}

/** Whether a failure is the node's trouble (try another replica) rather than the request's. */
export type RetryPredicate = (err: unknown) => boolean;

/**
 * Node failures worth another replica, and the only ones that count against a node's health:
 * transport errors, timeouts, 5xx and 429. A node's own answer about the request or the index
 * (any other 4xx, including `index_not_found`) is an answer, not a failure of the node.
 */
export function isReplicaFailure(err: unknown): boolean {
  return isRetriableNodeFailure(err);
}

interface Covered<T> {
  answers: FanoutAnswer<T>[];
  uncovered: number[];
}

/** Why a node request was aborted when the other side of its hedge already answered. */
export class HedgeLost extends Error {
  constructor() {
    super('Another replica answered first.');
    this.name = 'HedgeLost';
  }
}

/** A controller aborted with its parent's reason when the parent is (the scope of a hedge). */
function childController(parent: AbortSignal): {
  controller: AbortController;
  release: () => void;
} {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, release: () => undefined };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => parent.removeEventListener('abort', onAbort) };
}

/** A rejected promise carrying `err` (node and Miroir failures are Errors already). */
function failWith(err: unknown): Promise<never> {
  return Promise.reject(err instanceof Error ? err : new Error(String(err)));
}

/**
 * Covers `shards` of one index over `groups` (preferred first) with `call(target, signal)`, the
 * request for one node. A request that may be hedged gets a signal, aborted when it is no longer
 * wanted (the other side of its hedge answered, or its deadline passed). Resolves with every
 * answer and the shards nobody could serve.
 */
export async function fanOut<T>(
  table: PlacementTable,
  groups: readonly string[],
  shards: readonly number[],
  call: (target: NodeCall, signal: AbortSignal | undefined) => Promise<T>,
  opts: FanoutOptions,
): Promise<FanoutResult<T>> {
  const { selector } = opts;
  const failures: FanoutFailure[] = [];
  const failed = new Set<string>();
  let hedges = 0;

  /** One node request under its deadline; `scope` aborts it from outside (a lost hedge). */
  const callNode = (target: NodeCall, scope: AbortSignal | undefined): Promise<Covered<T>> => {
    const end = selector.begin(target.node);
    const started = performance.now();
    // Only a hedged request can be cancelled, so only it pays for a signal; a request past its
    // deadline is left to the node client's own deadline.
    const child = scope === undefined ? undefined : childController(scope);
    const request = call(target, child?.controller.signal);
    return new Promise<Covered<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = miroirError(
          'remote_timeout',
          `Node \`${target.node}\` (shards ${target.shards.join(', ')}) did not answer within ${opts.perShardTimeoutMs} ms.`,
          { retriable: true },
        );
        reject(err);
        // The shards move on to another replica; a cancellable request frees its connection now.
        child?.controller.abort(err);
      }, opts.perShardTimeoutMs);
      // The outcome feeds the node's load: a request cut by its deadline counts as a failure, one
      // cancelled because its hedge won counts as slow as it was when cut.
      request.then(
        (body) => {
          clearTimeout(timer);
          child?.release();
          end('ok', performance.now() - started);
          resolve({ answers: [{ ...target, body }], uncovered: [] });
        },
        (err: unknown) => {
          clearTimeout(timer);
          child?.release();
          end(isReplicaFailure(err) ? 'failed' : 'ok', performance.now() - started);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  };

  const recordFailure = (target: NodeCall, error: unknown): void => {
    failed.add(target.node);
    selector.markFailed(target.node);
    const failure = { node: target.node, shards: target.shards, error };
    failures.push(failure);
    opts.onFailure?.(failure);
  };

  const cover = async (
    wanted: readonly number[],
    exclude: ReadonlySet<string>,
    hedge: boolean,
    scope?: AbortSignal,
  ): Promise<Covered<T>> => {
    const assignment = selector.assign(table, groups, wanted, {
      exclude,
      ...(opts.eligible !== undefined ? { eligible: opts.eligible } : {}),
    });
    const parts = await Promise.all(assignment.nodes.map((target) => runTarget(target, hedge, scope)));
    return {
      answers: parts.flatMap((part) => part.answers),
      uncovered: [...assignment.uncovered, ...parts.flatMap((part) => part.uncovered)],
    };
  };

  const retry = (
    target: NodeCall,
    err: unknown,
    hedge: boolean,
    scope: AbortSignal | undefined,
  ): Promise<Covered<T>> => {
    if (!isReplicaFailure(err) || scope?.aborted === true) throw err;
    recordFailure(target, err);
    return cover(target.shards, new Set(failed), hedge, scope);
  };

  const runTarget = (
    target: NodeCall,
    hedge: boolean,
    scope: AbortSignal | undefined,
  ): Promise<Covered<T>> => {
    if (!hedge || opts.hedgeDelayMs <= 0)
      return callNode(target, scope).catch((err: unknown) => retry(target, err, hedge, scope));
    // Hedged targets are only those of the first cover, which no scope bounds.
    const primaryScope = new AbortController();
    const hedgeScope = new AbortController();
    const primary = callNode(target, primaryScope.signal);
    return new Promise<Covered<T>>((resolve, reject) => {
      let settled = false;
      let primaryError: unknown;
      let hedged: Promise<Covered<T>> | undefined;
      const settle = (outcome: Promise<Covered<T>> | Covered<T>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        Promise.resolve(outcome).then(resolve, reject);
      };
      const timer = setTimeout(() => {
        if (settled) return;
        const alternatives = selector.assign(table, groups, target.shards, {
          exclude: new Set([...failed, target.node]),
          ...(opts.eligible !== undefined ? { eligible: opts.eligible } : {}),
        });
        // A hedge that cannot cover every shard of the slow node would not replace it.
        if (alternatives.uncovered.length > 0) return;
        hedges += 1;
        hedged = cover(target.shards, new Set([...failed, target.node]), false, hedgeScope.signal);
        hedged.then(
          (result) => {
            if (result.uncovered.length === 0 || primaryError !== undefined) {
              settle(result);
              if (primaryError === undefined) primaryScope.abort(new HedgeLost());
            }
          },
          (err: unknown) => {
            if (primaryError !== undefined) settle(failWith(err));
          },
        );
      }, opts.hedgeDelayMs);
      primary.then(
        (result) => {
          settle(result);
          if (hedged !== undefined) hedgeScope.abort(new HedgeLost());
        },
        (err: unknown) => {
          if (settled) return;
          if (!isReplicaFailure(err)) return settle(failWith(err));
          recordFailure(target, err);
          primaryError = err;
          // A running hedge is already the retry; otherwise re-plan the shards now.
          if (hedged === undefined) settle(cover(target.shards, new Set(failed), false));
          else settle(hedged);
        },
      );
    });
  };

  const result = await cover(shards, new Set(), true);
  result.answers.sort((a, b) => (a.shards[0] ?? 0) - (b.shards[0] ?? 0));
  return {
    answers: result.answers,
    uncovered: [...new Set(result.uncovered)].sort((a, b) => a - b),
    failures,
    hedges,
  };
}
