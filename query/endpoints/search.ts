// `POST|GET /indexes/{uid}/search` and `/multi-search` (federated or not): plan each search once,
// scatter it over its index's covering set, merge, and answer with the degraded shards of each index.
import { isNodeApiError, type Json } from '#adapters/node-client.ts';
import { isMiroirError, miroirError, type MiroirError } from '#core/errors.ts';
import {
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
  planFederatedQueries,
  planShardRequest,
  validateFederatedRequest,
  type FederatedContext,
  type FederatedSearchRequest,
  type MergeContext,
  type SearchRequest,
  type SearchResponseBody,
  type ShardAnswer,
} from '#core/merge/index.ts';
import { clientError, inQuery } from '../node-errors.ts';
import { atLeastOneShard, shardsForFilter } from '../plan.ts';
import { uuidv7 } from '../request-uid.ts';
import { resolveIndex, type ResolvedIndex } from '../view.ts';
import {
  expectObject,
  isObject,
  type Degraded,
  type IndexRead,
  type QueryResult,
  type ReadContext,
  type ReadOptions,
} from '../read-context.ts';

export function searchEndpoints(ctx: ReadContext) {
  const {
    searchNode,
    currentView,
    clientOf,
    scatter,
    confined,
    serializedOnce,
    answersOf,
    headersOf,
    single,
  } = ctx;
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

  return { searchOne, search, multiSearch };
}
