// What every read endpoint of the query role shares: the current view, node clients, the
// scatter over a covering set (read-your-writes, degraded or strict reads, node metrics), the
// shard clause for nodes holding more shards than asked, and the answer headers.
import type { Logger } from '#adapters/logger.ts';
import { isNodeApiError, type Json, type JsonBody, type NodeClient } from '#adapters/node-client.ts';
import { isMiroirError, miroirError } from '#core/errors.ts';
import {
  type DocumentsResponseBody,
  type FacetSearchResponseBody,
  type IndexStatsBody,
  type SearchResponseBody,
  type ShardAnswer,
} from '#core/merge/index.ts';
import { isReservedField } from '#core/ingest/reserved-fields.ts';
import { initRouting } from '#core/routing/index.ts';
import { ReplicaSelector } from './covering.ts';
import { fanOut, isReplicaFailure, type FanoutAnswer, type FanoutResult, type NodeCall } from './fanout.ts';
import type { QueryMetrics } from './metrics.ts';
import { clientError } from './node-errors.ts';
import { needsShardClause, withShardClause } from './plan.ts';
import { SearchBatcher } from './search-batcher.ts';
import { type QueryView, type ResolvedIndex } from './view.ts';
import { waitForTask, type AppliedReplicas, type TaskLookup } from './wait-for-task.ts';

export const DEGRADED_HEADER = 'x-miroir-degraded';

/** What a node answers for an index it holds no copy of yet: an empty share of the index. */
export const NO_NODE_INDEX = Symbol('no node index');

export function isNodeIndexMissing(err: unknown): boolean {
  return isNodeApiError(err) && err.code === 'index_not_found';
}
export const WAIT_TIMEOUT_HEADER = 'x-miroir-wait-for-task-timeout';

/** The Meilisearch release whose API the query role answers (`GET /version`). */
export const MEILISEARCH_API_VERSION = '1.50.0';

export interface QueryServiceDeps {
  /** The current view of the cluster (topology projection); null while none is known. */
  view(): QueryView | null;
  /** The client of a node, by id; undefined for a node this process cannot reach. */
  node(nodeId: string): NodeClient | undefined;
  perShardTimeoutMs: number;
  hedgeDelayMs: number;
  unavailableShards: 'partial' | 'error';
  /** Bound of `X-Miroir-Wait-For-Task`. */
  waitTimeoutMs: number;
  tasks?: TaskLookup;
  selector?: ReplicaSelector;
  logger?: Logger;
  metrics?: QueryMetrics;
  /**
   * Send the searches bound for one node in the same event-loop turn as one `/multi-search`
   * (default false): under load each node then pays its per-request cost once per batch, but
   * runs the batch's searches one after another instead of on several cores.
   */
  coalesceSearches?: boolean;
}

export interface ReadOptions {
  /** `X-Miroir-Strict: true`: an uncovered shard fails the read instead of degrading it. */
  strict?: boolean;
  /** `X-Miroir-Wait-For-Task`. */
  waitForTask?: number;
  /** Indexes the client's key may see (`GET /stats` with an index-scoped key); all when absent. */
  indexVisible?: (uid: string) => boolean;
}

export interface QueryResult<B> {
  body: B;
  headers: Record<string, string>;
}

/** Uncovered shards per client index uid. */
export type Degraded = Map<string, number[]>;

/** The degradation of a fully covered read (never written to). */
export const NOTHING_DEGRADED: Degraded = new Map();

export interface IndexRead<B> {
  body: B;
  uncovered: number[];
  waitTimedOut: boolean;
}

export interface QueryService {
  search(uid: string, body: unknown, opts?: ReadOptions): Promise<QueryResult<SearchResponseBody>>;
  multiSearch(body: unknown, opts?: ReadOptions): Promise<QueryResult<unknown>>;
  facetSearch(uid: string, body: unknown, opts?: ReadOptions): Promise<QueryResult<FacetSearchResponseBody>>;
  getDocument(
    uid: string,
    id: string,
    query: { fields?: string[]; retrieveVectors?: boolean },
    opts?: ReadOptions,
  ): Promise<QueryResult<Json>>;
  fetchDocuments(uid: string, body: unknown, opts?: ReadOptions): Promise<QueryResult<DocumentsResponseBody>>;
  indexStats(uid: string, opts?: ReadOptions): Promise<QueryResult<IndexStatsBody>>;
  stats(opts?: ReadOptions): Promise<QueryResult<Json>>;
  version(): QueryResult<Json>;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown): Record<string, unknown> {
  if (!isObject(value)) {
    throw miroirError(
      'bad_request',
      `Invalid value type: expected an object, but found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}: \`${JSON.stringify(value)}\``,
    );
  }
  return value;
}

/** `shards=3,7` for one index; `shards=books:3,movies:1` when several indexes are involved. */
export function degradedHeaderValue(degraded: Degraded, qualify: boolean): string | undefined {
  if (degraded.size === 0) return undefined;
  const parts: string[] = [];
  for (const [uid, shards] of [...degraded.entries()].sort((a, b) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
  )) {
    for (const shard of [...new Set(shards)].sort((a, b) => a - b))
      parts.push(qualify ? `${uid}:${shard}` : String(shard));
  }
  return parts.length === 0 ? undefined : `shards=${parts.join(',')}`;
}

export function stripReserved(doc: Json): Json {
  const out: Json = {};
  for (const key in doc) if (!isReservedField(key)) out[key] = doc[key];
  return out;
}

/** Builds the shared read machinery of one query service. */
export async function createReadContext(deps: QueryServiceDeps) {
  await initRouting();
  const selector = deps.selector ?? new ReplicaSelector();
  const logger = deps.logger;
  const metrics = deps.metrics;
  const batcher = deps.coalesceSearches === true ? new SearchBatcher() : null;
  const searchNode = (
    client: NodeClient,
    uid: string,
    body: JsonBody,
    signal: AbortSignal | undefined,
  ): Promise<Json> =>
    batcher === null ? client.search(uid, body, { signal }) : batcher.search(client, uid, body, { signal });

  const currentView = (): QueryView => {
    const view = deps.view();
    if (view === null)
      throw miroirError('miroir_shard_unavailable', 'The cluster topology is not known yet; retry shortly.');
    return view;
  };

  const clientOf = (nodeId: string): NodeClient => {
    const client = deps.node(nodeId);
    if (client === undefined) {
      throw miroirError(
        'remote_could_not_send_request',
        `Node \`${nodeId}\` has no client in this process.`,
        { retriable: true },
      );
    }
    return client;
  };

  const strictOf = (opts: ReadOptions): boolean => opts.strict === true || deps.unavailableShards === 'error';

  /** Covers `shards` of an index with `call`, honouring read-your-writes when asked. */
  async function scatter<T>(
    operation: string,
    resolved: ResolvedIndex,
    shards: readonly number[],
    opts: ReadOptions,
    call: (target: NodeCall, client: NodeClient, signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<FanoutResult<T> & { waitTimedOut: boolean }> {
    let eligible: AppliedReplicas = 'all';
    let waitTimedOut = false;
    if (opts.waitForTask !== undefined) {
      if (deps.tasks === undefined) {
        throw miroirError(
          'invalid_header_value',
          'This query service has no task projection: `X-Miroir-Wait-For-Task` cannot be honoured.',
        );
      }
      const waited = await waitForTask(
        opts.waitForTask,
        resolved.index.uid,
        resolved.table,
        resolved.groups,
        shards,
        {
          lookup: deps.tasks,
          timeoutMs: deps.waitTimeoutMs,
        },
      );
      eligible = waited.eligible;
      waitTimedOut = waited.timedOut;
      if (waitTimedOut) metrics?.query_wait_for_task_timeouts_total.inc();
    }
    const started = performance.now();
    const fanned = await fanOut(
      resolved.table,
      selector.groupOrder(resolved.groups),
      shards,
      async (target, signal): Promise<T | typeof NO_NODE_INDEX> => {
        try {
          const body = await call(target, clientOf(target.node), signal);
          metrics?.query_node_requests_total.inc({ node: target.node, outcome: 'ok' });
          return body;
        } catch (err) {
          if (isNodeIndexMissing(err)) {
            // The index exists (the topology says so) but no write reached this node yet: its
            // copy is empty. That is an answer, not a node failure.
            metrics?.query_node_requests_total.inc({ node: target.node, outcome: 'ok' });
            return NO_NODE_INDEX;
          }
          metrics?.query_node_requests_total.inc({
            node: target.node,
            outcome: isReplicaFailure(err) ? 'failed' : 'rejected',
          });
          throw err;
        }
      },
      {
        selector,
        perShardTimeoutMs: deps.perShardTimeoutMs,
        hedgeDelayMs: deps.hedgeDelayMs,
        ...(eligible === 'all' ? {} : { eligible }),
        onFailure: (failure) =>
          logger?.warn(
            { node: failure.node, index: resolved.index.uid, shards: failure.shards, err: failure.error },
            'node read failed; retrying its shards elsewhere',
          ),
      },
    ).catch((err: unknown) => {
      throw clientError(err, { nodeIndexUid: resolved.index.nodeIndexUid, uid: resolved.index.uid });
    });
    metrics?.query_fanout_seconds.observe({ operation }, (performance.now() - started) / 1000);
    const answers = fanned.answers.filter(
      (answer): answer is FanoutAnswer<T> => answer.body !== NO_NODE_INDEX,
    );
    const result: FanoutResult<T> = { ...fanned, answers };
    if (result.hedges > 0) metrics?.query_hedges_total.inc(result.hedges);
    if (result.uncovered.length > 0) {
      if (strictOf(opts)) {
        metrics?.query_degraded_responses_total.inc({ operation, outcome: 'error' });
        throw miroirError(
          'miroir_shard_unavailable',
          `Shards ${result.uncovered.join(', ')} of index \`${resolved.index.uid}\` have no available replica.`,
        );
      }
      metrics?.query_degraded_responses_total.inc({ operation, outcome: 'partial' });
    }
    return { ...result, waitTimedOut };
  }

  /** The node request body with the shard clause when the node holds shards it must not answer for. */
  function confined<B extends Record<string, unknown>>(
    resolved: ResolvedIndex,
    target: NodeCall,
    body: B,
    filterCode?: 'invalid_document_filter',
  ): B {
    if (!needsShardClause(resolved.table, target.group, target.node, target.shards)) return body;
    try {
      return { ...body, filter: withShardClause(body.filter, target.shards) };
    } catch (err) {
      throw filterCode !== undefined && isMiroirError(err) ? miroirError(filterCode, err.message) : err;
    }
  }

  /**
   * The body for one node: the shared request, serialized once for every node that takes it as
   * is, or the node's own confined copy.
   */
  function serializedOnce(shared: Json): (body: Json) => JsonBody {
    let text: string | undefined;
    return (body) => (body === shared ? (text ??= JSON.stringify(shared)) : body);
  }

  function answersOf<T>(result: FanoutResult<T>): ShardAnswer<T>[] {
    return result.answers.map((answer) => ({ shard: answer.shards[0] as number, body: answer.body }));
  }

  function headersOf(
    degraded: Degraded,
    qualify: boolean,
    waitTimedOut: boolean,
    taskUid: number | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = {};
    const value = degradedHeaderValue(degraded, qualify);
    if (value !== undefined) headers[DEGRADED_HEADER] = value;
    if (waitTimedOut && taskUid !== undefined) headers[WAIT_TIMEOUT_HEADER] = String(taskUid);
    return headers;
  }

  function single<B>(uid: string, read: IndexRead<B>, opts: ReadOptions): QueryResult<B> {
    const degraded: Degraded =
      read.uncovered.length > 0 ? new Map([[uid, read.uncovered]]) : NOTHING_DEGRADED;
    return { body: read.body, headers: headersOf(degraded, false, read.waitTimedOut, opts.waitForTask) };
  }

  return {
    deps,
    selector,
    logger,
    metrics,
    searchNode,
    currentView,
    clientOf,
    strictOf,
    scatter,
    confined,
    serializedOnce,
    answersOf,
    headersOf,
    single,
  };
}

/** The shared read machinery handed to each endpoint. */
export type ReadContext = Awaited<ReturnType<typeof createReadContext>>;
