// `POST /indexes/{uid}/facet-search`: every shard's facet hits for the query, merged.
import { type Json } from '#adapters/node-client.ts';
import { miroirError } from '#core/errors.ts';
import {
  mergeFacetSearch,
  type FacetSearchRequest,
  type FacetSearchResponseBody,
} from '#core/merge/index.ts';
import { atLeastOneShard, shardsForFilter } from '../plan.ts';
import { resolveIndex } from '../view.ts';
import { expectObject, type QueryResult, type ReadContext, type ReadOptions } from '../read-context.ts';

export function facetSearchEndpoint(ctx: ReadContext) {
  const { currentView, scatter, confined, answersOf, single } = ctx;
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

  return { facetSearch };
}
