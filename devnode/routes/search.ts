// Single-index search (POST and GET) and facet search: validated parameters go to the index's
// engine; the engine's EngineErrors (non-filterable attribute, bad sort...) keep their codes.
import type { FastifyInstance } from 'fastify';
import { miroirError } from '#core/errors.ts';
import { engineCall } from '#devnode/engine-call.ts';
import type { SearchRequest } from '#devnode/engine/types.ts';
import { jsonBody, pathIndexUid, queryOf } from '#adapters/meili-request.ts';
import type { DevnodeContext } from '#devnode/routes/context.ts';
import { parseFacetSearchBody, parseSearchBody, parseSearchQuery } from '#devnode/validate/search.ts';

export function runSearch(ctx: DevnodeContext, uid: string, request: SearchRequest) {
  const index = ctx.state.require(uid);
  return engineCall(() => index.engine.search(request));
}

export function registerSearchRoutes(app: FastifyInstance, ctx: DevnodeContext): void {
  app.post('/indexes/:indexUid/search', async (req) => {
    const uid = pathIndexUid(req);
    const { request } = parseSearchBody(jsonBody(req));
    return runSearch(ctx, uid, request);
  });

  app.get('/indexes/:indexUid/search', async (req) => {
    const uid = pathIndexUid(req);
    return runSearch(ctx, uid, parseSearchQuery(queryOf(req)));
  });

  app.post('/indexes/:indexUid/facet-search', async (req) => {
    const uid = pathIndexUid(req);
    const request = parseFacetSearchBody(jsonBody(req));
    const index = ctx.state.require(uid);
    if (!index.settings.facetSearch) {
      throw miroirError(
        'facet_search_disabled',
        `The facet search is disabled for the index \`${uid}\`. Enable it with the \`facetSearch\` setting.`,
      );
    }
    return engineCall(() => index.engine.facetSearch(request));
  });
}
