// The read path: resolve the index, plan the shards, fan out over a covering set, merge. Every
// operation answers Meilisearch's body plus Miroir's headers; a read that could not cover every
// shard says so (`X-Miroir-Degraded`) or, when strict, fails with 503 `miroir_shard_unavailable`.
// Each endpoint lives in `endpoints/`; what they share is `read-context.ts`.
import { createReadContext } from './read-context.ts';
import { documentEndpoints } from './endpoints/documents.ts';
import { facetSearchEndpoint } from './endpoints/facet-search.ts';
import { searchEndpoints } from './endpoints/search.ts';
import { statsEndpoints } from './endpoints/stats.ts';
import { MEILISEARCH_API_VERSION, type QueryService, type QueryServiceDeps } from './read-context.ts';

export {
  DEGRADED_HEADER,
  MEILISEARCH_API_VERSION,
  WAIT_TIMEOUT_HEADER,
  degradedHeaderValue,
  type QueryResult,
  type QueryService,
  type QueryServiceDeps,
  type ReadOptions,
} from './read-context.ts';
export { filterableFields, scaleStats } from './endpoints/stats.ts';

export async function buildQueryService(deps: QueryServiceDeps): Promise<QueryService> {
  const ctx = await createReadContext(deps);
  const { search, multiSearch } = searchEndpoints(ctx);
  const { facetSearch } = facetSearchEndpoint(ctx);
  const { getDocument, fetchDocuments } = documentEndpoints(ctx);
  const { indexStats, stats } = statsEndpoints(ctx);
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
