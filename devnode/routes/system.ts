// Node-wide routes: health, version, global stats and the minimal `/keys` (the default keys
// derived from the master key).
import type { FastifyInstance } from 'fastify';
import { miroirError } from '#core/errors.ts';
import type { ApiKey } from '#devnode/auth.ts';
import { indexStats } from '#devnode/routes/indexes.ts';
import { queryOf } from '#adapters/meili-request.ts';
import type { DevnodeContext } from '#devnode/routes/context.ts';
import { QueryFields } from '#core/meili/deserr.ts';

/** The Meilisearch release whose API devnode follows. */
export const MEILISEARCH_VERSION = '1.50.0';

export function registerSystemRoutes(app: FastifyInstance, ctx: DevnodeContext, keys: ApiKey[]): void {
  app.get('/health', async () => ({ status: 'available' }));

  app.get('/version', async () => ({
    commitSha: 'devnode',
    commitDate: 'unknown',
    pkgVersion: MEILISEARCH_VERSION,
  }));

  app.get('/stats', async (req) => {
    const q = new QueryFields(queryOf(req), ['showInternalDatabaseSizes', 'sizeFormat']);
    q.bool('showInternalDatabaseSizes', 'invalid_stats_show_internal_database_sizes');
    q.oneOf('sizeFormat', 'invalid_stats_size_format', ['raw', 'human']);
    const size = ctx.store.fileSize();
    const indexes: Record<string, unknown> = {};
    for (const index of ctx.state.list()) indexes[index.uid] = indexStats(ctx, index);
    return { databaseSize: size, usedDatabaseSize: size, lastUpdate: ctx.queue.lastUpdate(), indexes };
  });

  app.get('/keys', async (req) => {
    const q = new QueryFields(queryOf(req), ['offset', 'limit']);
    const offset = q.usize('offset', 'invalid_api_key_offset') ?? 0;
    const limit = q.usize('limit', 'invalid_api_key_limit') ?? 20;
    return { results: keys.slice(offset, offset + limit), offset, limit, total: keys.length };
  });

  app.get('/keys/:key', async (req) => {
    const { key } = req.params as { key: string };
    const found = keys.find((k) => k.key === key || k.uid === key);
    if (!found) throw miroirError('api_key_not_found', `API key \`${key}\` not found.`);
    return found;
  });
}
