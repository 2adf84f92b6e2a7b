// The scatter half of a read: sends one request per node of the covering set, each with a deadline;
// a node that fails or times out has its shards re-planned on other replicas (same group first,
// then other groups); a slow node can be hedged after a delay. What nobody could serve comes back
// as `uncovered`, never as a silent gap. A node's own rejection of the request (4xx) fails it whole.
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

/** Node failures worth another replica: transport, timeout, 5xx/429, and an index the node lacks. */
export function isReplicaFailure(err: unknown): boolean {
  if (isRetriableNodeFailure(err)) return true;
  // A replica that has not created the index yet (still catching up) is not the client's error.
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'index_not_found';
}

interface Covered<T> {
  answers: FanoutAnswer<T>[];
  uncovered: number[];
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(miroirError('remote_timeout', `${what} did not answer within ${ms} ms.`, { retriable: true })),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A rejected promise carrying `err` (node and Miroir failures are Errors already). */
function failWith(err: unknown): Promise<never> {
  return Promise.reject(err instanceof Error ? err : new Error(String(err)));
}

/**
 * Covers `shards` of one index over `groups` (preferred first) with `call(node, shards)`, the
 * request for one node. Resolves with every answer and the shards nobody could serve.
 */
export async function fanOut<T>(
  table: PlacementTable,
  groups: readonly string[],
  shards: readonly number[],
  call: (target: NodeCall) => Promise<T>,
  opts: FanoutOptions,
): Promise<FanoutResult<T>> {
  const { selector } = opts;
  const failures: FanoutFailure[] = [];
  const failed = new Set<string>();
  let hedges = 0;

  const callNode = async (target: NodeCall): Promise<Covered<T>> => {
    const end = selector.begin(target.node);
    const started = performance.now();
    const request = call(target);
    // The outcome feeds the node's load even when the deadline or a hedge already moved on.
    request.then(
      () => end('ok', performance.now() - started),
      (err: unknown) => end(isReplicaFailure(err) ? 'failed' : 'ok', performance.now() - started),
    );
    const body = await withDeadline(
      request,
      opts.perShardTimeoutMs,
      `Node \`${target.node}\` (shards ${target.shards.join(', ')})`,
    );
    return { answers: [{ ...target, body }], uncovered: [] };
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
  ): Promise<Covered<T>> => {
    const assignment = selector.assign(table, groups, wanted, {
      exclude,
      ...(opts.eligible !== undefined ? { eligible: opts.eligible } : {}),
    });
    const parts = await Promise.all(assignment.nodes.map((target) => runTarget(target, hedge)));
    return {
      answers: parts.flatMap((part) => part.answers),
      uncovered: [...assignment.uncovered, ...parts.flatMap((part) => part.uncovered)],
    };
  };

  const retry = (target: NodeCall, err: unknown, hedge: boolean): Promise<Covered<T>> => {
    if (!isReplicaFailure(err)) throw err;
    recordFailure(target, err);
    return cover(target.shards, new Set(failed), hedge);
  };

  const runTarget = (target: NodeCall, hedge: boolean): Promise<Covered<T>> => {
    const primary = callNode(target);
    if (!hedge || opts.hedgeDelayMs <= 0) return primary.catch((err: unknown) => retry(target, err, hedge));
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
        hedged = cover(target.shards, new Set([...failed, target.node]), false);
        hedged.then(
          (result) => {
            if (result.uncovered.length === 0 || primaryError !== undefined) settle(result);
          },
          (err: unknown) => {
            if (primaryError !== undefined) settle(failWith(err));
          },
        );
      }, opts.hedgeDelayMs);
      primary.then(
        (result) => settle(result),
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
