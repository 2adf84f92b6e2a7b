// The read path: resolve the index, plan the shards, fan out over a covering set, merge. Every
// operation answers Meilisearch's body plus Miroir's headers; a read that could not cover every
// shard says so (`X-Miroir-Degraded`) or, when strict, fails with 503 `miroir_shard_unavailable`.
import type { Logger } from '#adapters/logger.ts';
import { isNodeApiError, type Json, type JsonBody, type NodeClient } from '#adapters/node-client.ts';
import { isMiroirError, miroirError, type MiroirError } from '#core/errors.ts';
import {
  mergeDocumentLists,
  mergeFacetSearch,
  mergeFederatedSearch,
  mergeSearchResults,
  planDistinctCountRequest,
  planDistinctFacetFollowUps,
  planDistinctFollowUps,
  planThresholdCounts,
  withDistinctCounts,
  withThresholdCandidates,
  withDistinctFacets,
  withDistinctTies,
  mergeStats,
  planFederatedQueries,
  planShardDocumentsRequest,
  planShardRequest,
  validateFederatedRequest,
  type DocumentsRequest,
  type DocumentsResponseBody,
  type FacetSearchRequest,
  type FacetSearchResponseBody,
  type FederatedContext,
  type FederatedSearchRequest,
  type IndexStatsBody,
  type MergeContext,
  type SearchRequest,
  type SearchResponseBody,
  type ShardAnswer,
} from '#core/merge/index.ts';
import { isReservedField } from '#core/ingest/reserved-fields.ts';
import { initRouting, shardOf } from '#core/routing/index.ts';
import { ReplicaSelector } from './covering.ts';
import { fanOut, isReplicaFailure, type FanoutAnswer, type FanoutResult, type NodeCall } from './fanout.ts';
import type { QueryMetrics } from './metrics.ts';
import { clientError, inQuery } from './node-errors.ts';
import {
  atLeastOneShard,
  needsShardClause,
  shardClause,
  shardsForDocuments,
  type NodeFilter,
  shardsForFilter,
  withShardClause,
} from './plan.ts';
import { uuidv7 } from './request-uid.ts';
import { SearchBatcher } from './search-batcher.ts';
import { resolveIndex, type QueryView, type ResolvedIndex } from './view.ts';
import { waitForTask, type AppliedReplicas, type TaskLookup } from './wait-for-task.ts';

export const DEGRADED_HEADER = 'x-miroir-degraded';

/** What a node answers for an index it holds no copy of yet: an empty share of the index. */
const NO_NODE_INDEX = Symbol('no node index');

function isNodeIndexMissing(err: unknown): boolean {
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
}

export interface QueryResult<B> {
  body: B;
  headers: Record<string, string>;
}

/** Uncovered shards per client index uid. */
type Degraded = Map<string, number[]>;

/** The degradation of a fully covered read (never written to). */
const NOTHING_DEGRADED: Degraded = new Map();

interface IndexRead<B> {
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectObject(value: unknown): Record<string, unknown> {
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

function stripReserved(doc: Json): Json {
  const out: Json = {};
  for (const key in doc) if (!isReservedField(key)) out[key] = doc[key];
  return out;
}

export async function buildQueryService(deps: QueryServiceDeps): Promise<QueryService> {
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

  /** One sharded search: plan, scatter, merge. `request` is the client's search for this index. */
  async function searchOne(
    resolved: ResolvedIndex,
    request: SearchRequest,
    ctx: MergeContext,
    opts: ReadOptions,
  ): Promise<IndexRead<SearchResponseBody>> {
    const started = performance.now();
    const planned = planShardRequest(request, ctx);
    // With distinct in offset mode each shard also runs a count-only search for the exact total.
    const counting = planDistinctCountRequest(request, planned, ctx);
    const shards = atLeastOneShard(
      shardsForFilter(resolved.table, resolved.index.primaryKey, request.filter),
    );
    const nodeUid = resolved.index.nodeIndexUid;
    const plannedBody = serializedOnce(planned);
    const result = await scatter('search', resolved, shards, opts, async (target, client, signal) => {
      const main = searchNode(
        client,
        nodeUid,
        plannedBody(confined(resolved, target, planned as Json)),
        signal,
      ) as Promise<SearchResponseBody>;
      if (counting === null) return main;
      const counts = client.search(nodeUid, confined(resolved, target, counting as Json), {
        signal,
      }) as Promise<SearchResponseBody>;
      const [body, countBody] = await Promise.all([main, counts]);
      return withDistinctCounts(body, countBody, counting.facets?.[0] as string);
    });
    const answers = answersOf(result);
    /**
     * One follow-up round: each planned shard's node answers a search, attached to the shard's
     * answer; a follow-up that fails leaves the answer as is (the merge then estimates).
     */
    const followUp = async (
      plans: Map<number, SearchRequest>,
      attach: (main: SearchResponseBody, extra: SearchResponseBody) => SearchResponseBody,
    ): Promise<void> => {
      if (plans.size === 0) return;
      await Promise.all(
        result.answers.map(async (answer, i) => {
          const plan = plans.get(answer.shards[0] as number);
          if (plan === undefined) return;
          const extra = (await clientOf(answer.node)
            .search(nodeUid, confined(resolved, answer, plan as Json))
            .catch(() => null)) as SearchResponseBody | null;
          const main = answers[i] as ShardAnswer<SearchResponseBody>;
          if (extra !== null) answers[i] = { shard: main.shard, body: attach(main.body, extra) };
        }),
      );
    };
    if (counting !== null) {
      // Rarely, a shard must say where values it left unseen at the page end rank (exact totals).
      await followUp(planDistinctFollowUps(request, answers, ctx), withDistinctTies);
      // With facets, each shard holding values the page examined counts their documents' facets,
      // so the merge counts facets over the reduced candidates as one node does.
      await followUp(planDistinctFacetFollowUps(request, answers, ctx), withDistinctFacets);
    }
    // With a threshold, a filled page counts every candidate: short shards tell theirs.
    await followUp(planThresholdCounts(request, answers, ctx), withThresholdCandidates);
    const body = mergeSearchResults(request, answers, {
      ...ctx,
      processingTimeMs: Math.floor(performance.now() - started),
      requestUid: uuidv7(),
    });
    return { body, uncovered: result.uncovered, waitTimedOut: result.waitTimedOut };
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

  async function search(
    uid: string,
    body: unknown,
    opts: ReadOptions = {},
  ): Promise<QueryResult<SearchResponseBody>> {
    const resolved = resolveIndex(currentView(), uid);
    const request = expectObject(body) as SearchRequest;
    return single(uid, await searchOne(resolved, request, resolved.merge, opts), opts);
  }

  async function multiSearch(body: unknown, opts: ReadOptions = {}): Promise<QueryResult<unknown>> {
    const request = expectObject(body);
    const unknown = Object.keys(request).filter((key) => key !== 'queries' && key !== 'federation');
    if (unknown.length > 0) {
      throw miroirError(
        'bad_request',
        `Unknown field \`${unknown[0]}\`: expected one of \`queries\`, \`federation\``,
      );
    }
    if (!Array.isArray(request.queries)) {
      throw miroirError(
        'bad_request',
        `Invalid value type at \`.queries\`: expected an array, but found ${JSON.stringify(request.queries ?? null)}`,
      );
    }
    const queries = request.queries.map((query, position) => {
      if (!isObject(query))
        throw inQuery(
          miroirError(
            'bad_request',
            `Invalid value type: expected an object, but found \`${JSON.stringify(query)}\``,
          ),
          position,
        );
      if (typeof query.indexUid !== 'string')
        throw miroirError('missing_index_uid', `Missing field \`indexUid\` inside \`.queries[${position}]\``);
      return query as SearchRequest & { indexUid: string };
    });
    const view = currentView();
    const resolvedOf = (position: number): ResolvedIndex => {
      try {
        return resolveIndex(view, (queries[position] as { indexUid: string }).indexUid);
      } catch (err) {
        throw isMiroirError(err) ? inQuery(err, position) : err;
      }
    };
    const degraded: Degraded = new Map();
    let waitTimedOut = false;
    const note = (uid: string, read: IndexRead<unknown>): void => {
      if (read.uncovered.length > 0) degraded.set(uid, [...(degraded.get(uid) ?? []), ...read.uncovered]);
      waitTimedOut ||= read.waitTimedOut;
    };
    const prefixed =
      (position: number, uid: string) =>
      (err: unknown): never => {
        const base: MiroirError = clientError(err);
        // Errors a node raised for the index carry Meilisearch's `Index `uid`: ` context, as its multi-search does.
        const fromNode = isNodeApiError(base.cause) && !base.message.startsWith('Index `');
        throw inQuery(
          fromNode
            ? miroirError(base.code, `Index \`${uid}\`: ${base.message}`, { cause: base.cause })
            : base,
          position,
        );
      };

    if (request.federation === undefined || request.federation === null) {
      queries.forEach((query, position) => {
        if (query.federationOptions !== undefined) {
          throw inQuery(
            miroirError(
              'invalid_multi_search_federation_options',
              'Using `federationOptions` is not allowed in a non-federated search.\n - Hint: remove `federationOptions` from query #' +
                String(position) +
                ' or add `federation` to the request.',
            ),
            position,
          );
        }
      });
      const resolved = queries.map((_, position) => resolvedOf(position));
      const results = await Promise.all(
        queries.map(async (query, position) => {
          const { indexUid, ...search } = query;
          const target = resolved[position] as ResolvedIndex;
          const read = await searchOne(target, search, target.merge, opts).catch(
            prefixed(position, indexUid),
          );
          note(indexUid, read);
          return { indexUid, ...read.body };
        }),
      );
      const qualify = new Set(queries.map((query) => query.indexUid)).size > 1;
      return { body: { results }, headers: headersOf(degraded, qualify, waitTimedOut, opts.waitForTask) };
    }

    const federated = request as unknown as FederatedSearchRequest;
    validateFederatedRequest(federated);
    const resolved = queries.map((_, position) => resolvedOf(position));
    const indexes: Record<string, MergeContext> = {};
    queries.forEach((query, position) => {
      indexes[query.indexUid] = (resolved[position] as ResolvedIndex).merge;
    });
    const fctx: FederatedContext = { indexes };
    const planned = planFederatedQueries(federated, fctx);
    const started = performance.now();
    const results = await Promise.all(
      planned.map(async (search, position) => {
        const uid = (queries[position] as { indexUid: string }).indexUid;
        const target = resolved[position] as ResolvedIndex;
        const read = await searchOne(target, search, target.merge, opts).catch(prefixed(position, uid));
        note(uid, read);
        return read.body;
      }),
    );
    const merged = mergeFederatedSearch(federated, results, {
      ...fctx,
      processingTimeMs: Math.floor(performance.now() - started),
      requestUid: uuidv7(),
    });
    const qualify = new Set(queries.map((query) => query.indexUid)).size > 1;
    return { body: merged, headers: headersOf(degraded, qualify, waitTimedOut, opts.waitForTask) };
  }

  async function facetSearch(
    uid: string,
    body: unknown,
    opts: ReadOptions = {},
  ): Promise<QueryResult<FacetSearchResponseBody>> {
    const resolved = resolveIndex(currentView(), uid);
    const request = expectObject(body) as FacetSearchRequest;
    if (request.facetName === undefined)
      throw miroirError('missing_facet_search_facet_name', 'Missing field `facetName`');
    const started = performance.now();
    const shards = atLeastOneShard(
      shardsForFilter(resolved.table, resolved.index.primaryKey, request.filter),
    );
    const nodeUid = resolved.index.nodeIndexUid;
    const result = await scatter(
      'facet-search',
      resolved,
      shards,
      opts,
      (target, client, signal) =>
        client.facetSearch(nodeUid, confined(resolved, target, request as Json), {
          signal,
        }) as Promise<FacetSearchResponseBody>,
    );
    const merged = mergeFacetSearch(request, answersOf(result), {
      ...resolved.merge,
      processingTimeMs: Math.floor(performance.now() - started),
    });
    return single(
      uid,
      { body: merged, uncovered: result.uncovered, waitTimedOut: result.waitTimedOut },
      opts,
    );
  }

  async function getDocument(
    uid: string,
    id: string,
    query: { fields?: string[]; retrieveVectors?: boolean },
    opts: ReadOptions = {},
  ): Promise<QueryResult<Json>> {
    const resolved = resolveIndex(currentView(), uid);
    const shard = shardOf(id, resolved.table.shards);
    const nodeUid = resolved.index.nodeIndexUid;
    const result = await scatter(
      'document',
      resolved,
      [shard],
      { ...opts, strict: true },
      (_target, client) =>
        client.getDocument(nodeUid, id, query.fields === undefined ? undefined : { fields: query.fields }),
    );
    const answer = result.answers[0];
    if (answer === undefined) {
      if (result.uncovered.length === 0)
        throw miroirError('document_not_found', `Document \`${id}\` not found.`);
      throw miroirError(
        'miroir_shard_unavailable',
        `Shard ${shard} of index \`${uid}\` has no available replica.`,
      );
    }
    return single(
      uid,
      { body: stripReserved(answer.body), uncovered: [], waitTimedOut: result.waitTimedOut },
      opts,
    );
  }

  async function fetchDocuments(
    uid: string,
    body: unknown,
    opts: ReadOptions = {},
  ): Promise<QueryResult<DocumentsResponseBody>> {
    const resolved = resolveIndex(currentView(), uid);
    const request = expectObject(body) as DocumentsRequest;
    const planned = planShardDocumentsRequest(request);
    const ids = Array.isArray(request.ids) ? (request.ids as (string | number)[]) : null;
    const shards = atLeastOneShard(
      shardsForDocuments(resolved.table, resolved.index.primaryKey, ids, request.filter),
    );
    const nodeUid = resolved.index.nodeIndexUid;
    const result = await scatter(
      'documents',
      resolved,
      shards,
      opts,
      (target, client) =>
        client.fetchDocuments(
          nodeUid,
          confined(resolved, target, planned as Json, 'invalid_document_filter'),
        ) as Promise<DocumentsResponseBody>,
    );
    return single(
      uid,
      {
        body: mergeDocumentLists(request, answersOf(result)),
        uncovered: result.uncovered,
        waitTimedOut: result.waitTimedOut,
      },
      opts,
    );
  }

  /**
   * Index stats over one covering set. A node asked for only some of the shards it holds (RF > 1)
   * reports those shards' exact document count (a filtered listing) and its other figures scaled
   * to that share: per-field counts are exact for fields every document has, estimated otherwise.
   */
  async function indexStatsRead(
    resolved: ResolvedIndex,
    opts: ReadOptions,
  ): Promise<IndexRead<IndexStatsBody>> {
    const nodeUid = resolved.index.nodeIndexUid;
    const shards = Array.from({ length: resolved.table.shards }, (_, shard) => shard);
    const filterable = filterableFields(resolved.index.settings);
    const result = await scatter('stats', resolved, shards, opts, async (target, client) => {
      const stats = (await client.indexStats(nodeUid)) as IndexStatsBody;
      if (!needsShardClause(resolved.table, target.group, target.node, target.shards)) return stats;
      const clause = shardClause(target.shards);
      const count = async (filter: NodeFilter): Promise<number> => {
        const listed = await client.fetchDocuments(nodeUid, { filter, limit: 0 });
        return typeof listed.total === 'number' ? listed.total : 0;
      };
      const scaled = scaleStats(stats, await count(clause));
      // Fields some documents lack are counted exactly when the node can filter on them.
      const partial = Object.entries(stats.fieldDistribution).filter(
        ([field, n]) => n < stats.numberOfDocuments && filterable.has(field),
      );
      const exact = await Promise.all(partial.map(([field]) => count([clause, `${field} EXISTS`])));
      partial.forEach(([field], i) => {
        const n = exact[i] as number;
        if (n > 0) scaled.fieldDistribution[field] = n;
        else delete scaled.fieldDistribution[field];
      });
      return scaled;
    });
    return {
      body: mergeStats(answersOf(result)),
      uncovered: result.uncovered,
      waitTimedOut: result.waitTimedOut,
    };
  }

  async function indexStats(uid: string, opts: ReadOptions = {}): Promise<QueryResult<IndexStatsBody>> {
    const resolved = resolveIndex(currentView(), uid);
    return single(uid, await indexStatsRead(resolved, opts), opts);
  }

  async function stats(opts: ReadOptions = {}): Promise<QueryResult<Json>> {
    const view = currentView();
    const uids = [...view.indexes.keys()].sort();
    const degraded: Degraded = new Map();
    const indexes: Record<string, IndexStatsBody> = {};
    const reads = await Promise.all(uids.map((uid) => indexStatsRead(resolveIndex(view, uid), opts)));
    uids.forEach((uid, i) => {
      const read = reads[i] as IndexRead<IndexStatsBody>;
      indexes[uid] = read.body;
      if (read.uncovered.length > 0) degraded.set(uid, read.uncovered);
    });
    // Storage and last update are the whole cluster's: every node that answers counts once.
    const nodeStats = await Promise.all(
      view.topology.nodes
        .filter((node) => node.state === 'active' || node.state === 'draining')
        .map(
          (node) =>
            deps
              .node(node.id)
              ?.stats()
              .catch(() => undefined) ?? Promise.resolve(undefined),
        ),
    );
    let databaseSize = 0;
    let usedDatabaseSize = 0;
    let lastUpdate: string | null = null;
    for (const answer of nodeStats) {
      if (answer === undefined) continue;
      if (typeof answer.databaseSize === 'number') databaseSize += answer.databaseSize;
      if (typeof answer.usedDatabaseSize === 'number') usedDatabaseSize += answer.usedDatabaseSize;
      if (typeof answer.lastUpdate === 'string' && (lastUpdate === null || answer.lastUpdate > lastUpdate))
        lastUpdate = answer.lastUpdate;
    }
    return {
      body: { databaseSize, usedDatabaseSize, lastUpdate, indexes },
      headers: headersOf(degraded, true, false, undefined),
    };
  }

  return {
    search,
    multiSearch,
    facetSearch,
    getDocument,
    fetchDocuments,
    indexStats,
    stats,
    version: () => ({
      body: { commitSha: 'miroir', commitDate: 'unknown', pkgVersion: MEILISEARCH_API_VERSION },
      headers: {},
    }),
  };
}

/** Attributes the nodes can filter on by exact name (the client's filterableAttributes). */
export function filterableFields(settings: Readonly<Record<string, unknown>>): Set<string> {
  const out = new Set<string>();
  const list = settings.filterableAttributes;
  if (!Array.isArray(list)) return out;
  for (const item of list as unknown[]) {
    if (typeof item === 'string' && !item.includes('*')) out.add(item);
    else if (isObject(item) && Array.isArray(item.attributePatterns)) {
      const filter = isObject(item.features) && isObject(item.features.filter) ? item.features.filter : {};
      // EXISTS needs equality filtering, which the object form may turn off.
      if (filter.equality === false) continue;
      for (const pattern of item.attributePatterns as unknown[]) {
        if (typeof pattern === 'string' && !pattern.includes('*')) out.add(pattern);
      }
    }
  }
  return out;
}

/** A node's stats narrowed to `documents` of its documents (see indexStatsRead). */
export function scaleStats(stats: IndexStatsBody, documents: number): IndexStatsBody {
  const total = stats.numberOfDocuments;
  const share = total === 0 ? 0 : documents / total;
  const scale = (value: number): number => (value >= total ? documents : Math.round(value * share));
  const fieldDistribution: Record<string, number> = {};
  for (const [field, count] of Object.entries(stats.fieldDistribution)) {
    const scaled = scale(count);
    if (scaled > 0) fieldDistribution[field] = scaled;
  }
  const out: IndexStatsBody = { ...stats, numberOfDocuments: documents, fieldDistribution };
  if (typeof stats.rawDocumentDbSize === 'number')
    out.rawDocumentDbSize = Math.round(stats.rawDocumentDbSize * share);
  return out;
}
