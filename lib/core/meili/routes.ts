// The one table of the HTTP surface Miroir serves (CONVENTIONS rule 12): every Meilisearch route
// and every `/_miroir/*` admin route, with the key action it needs and whether its path names an
// index. The auth hook reads a route's rule from here; a test fails when the app registers a
// route this table does not list, so no route can be served without an auth rule.
import type { Action } from '#core/auth/actions.ts';
import { SETTINGS_ROUTES } from './settings-validate.ts';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Which part of Miroir serves the route (the role that registers it). */
export type RouteOwner = 'shell' | 'query' | 'ingest' | 'projections' | 'keys';

export interface RouteRule {
  readonly method: RouteMethod;
  /** fastify path pattern, `:indexUid` for the index segment. */
  readonly path: string;
  /** The action a key needs; `public` routes need no key even with a master key (`/health`). */
  readonly action: Action | 'public';
  /** True when the path names the index the action applies to (`:indexUid`). */
  readonly indexScoped: boolean;
  readonly owner: RouteOwner;
}

function rule(owner: RouteOwner, method: RouteMethod, path: string, action: Action | 'public'): RouteRule {
  return { method, path, action, indexScoped: path.includes(':indexUid'), owner };
}

const SETTINGS = '/indexes/:indexUid/settings';

export const ROUTES: readonly RouteRule[] = [
  // ---- every process ----
  rule('shell', 'GET', '/health', 'public'),
  rule('shell', 'GET', '/metrics', 'metrics.get'),
  // ---- query: reads fanned out to the nodes ----
  rule('query', 'POST', '/indexes/:indexUid/search', 'search'),
  rule('query', 'GET', '/indexes/:indexUid/search', 'search'),
  rule('query', 'POST', '/multi-search', 'search'),
  rule('query', 'POST', '/indexes/:indexUid/facet-search', 'search'),
  rule('query', 'GET', '/indexes/:indexUid/documents/:documentId', 'documents.get'),
  rule('query', 'GET', '/indexes/:indexUid/documents', 'documents.get'),
  rule('query', 'POST', '/indexes/:indexUid/documents/fetch', 'documents.get'),
  rule('query', 'GET', '/indexes/:indexUid/stats', 'stats.get'),
  rule('query', 'GET', '/stats', 'stats.get'),
  rule('query', 'GET', '/version', 'version'),
  // ---- ingest: writes appended to the log ----
  rule('ingest', 'POST', '/indexes', 'indexes.create'),
  rule('ingest', 'PATCH', '/indexes/:indexUid', 'indexes.update'),
  rule('ingest', 'DELETE', '/indexes/:indexUid', 'indexes.delete'),
  rule('ingest', 'POST', '/swap-indexes', 'indexes.swap'),
  rule('ingest', 'POST', '/tasks/cancel', 'tasks.cancel'),
  rule('ingest', 'DELETE', '/tasks', 'tasks.delete'),
  rule('ingest', 'POST', '/indexes/:indexUid/documents', 'documents.add'),
  rule('ingest', 'PUT', '/indexes/:indexUid/documents', 'documents.add'),
  rule('ingest', 'DELETE', '/indexes/:indexUid/documents', 'documents.delete'),
  rule('ingest', 'DELETE', '/indexes/:indexUid/documents/:documentId', 'documents.delete'),
  rule('ingest', 'POST', '/indexes/:indexUid/documents/delete-batch', 'documents.delete'),
  rule('ingest', 'POST', '/indexes/:indexUid/documents/delete', 'documents.delete'),
  rule('ingest', 'PATCH', SETTINGS, 'settings.update'),
  rule('ingest', 'DELETE', SETTINGS, 'settings.update'),
  ...SETTINGS_ROUTES.flatMap((s) => [
    rule('ingest', s.verb, `${SETTINGS}/${s.path}`, 'settings.update'),
    rule('ingest', 'DELETE', `${SETTINGS}/${s.path}`, 'settings.update'),
  ]),
  // ---- projections: answered from this process's read models ----
  rule('projections', 'GET', '/indexes', 'indexes.get'),
  rule('projections', 'GET', '/indexes/:indexUid', 'indexes.get'),
  rule('projections', 'GET', SETTINGS, 'settings.get'),
  ...SETTINGS_ROUTES.map((s) => rule('projections', 'GET', `${SETTINGS}/${s.path}`, 'settings.get')),
  rule('projections', 'GET', '/tasks', 'tasks.get'),
  rule('projections', 'GET', '/tasks/:taskUid', 'tasks.get'),
  rule('projections', 'GET', '/tasks/:taskUid/documents', 'tasks.get'),
  rule('projections', 'GET', '/batches', 'tasks.get'),
  rule('projections', 'GET', '/batches/:batchUid', 'tasks.get'),
  rule('projections', 'GET', '/experimental-features', 'experimental.get'),
  rule('projections', 'PATCH', '/experimental-features', 'experimental.update'),
  // ---- API keys ----
  rule('keys', 'POST', '/keys', 'keys.create'),
  rule('keys', 'GET', '/keys', 'keys.get'),
  rule('keys', 'GET', '/keys/:key', 'keys.get'),
  rule('keys', 'PATCH', '/keys/:key', 'keys.update'),
  rule('keys', 'DELETE', '/keys/:key', 'keys.delete'),
  // ---- Miroir's admin API ----
  rule('projections', 'GET', '/_miroir/topology', 'miroir.topology.get'),
];

const BY_ROUTE = new Map(ROUTES.map((r) => [`${r.method} ${r.path}`, r]));

/** The rule of a registered route; HEAD shares its GET route's rule. Undefined: not in the table. */
export function routeRule(method: string, path: string): RouteRule | undefined {
  return BY_ROUTE.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
}
