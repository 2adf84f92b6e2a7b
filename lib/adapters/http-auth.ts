// The auth hook of the shared HTTP app: every request's route is looked up in the one route
// table (lib/core/meili/routes.ts), its action checked against the Authorization header as
// Meilisearch checks it (master key, API keys, tenant tokens), and the grant kept on the request
// for handlers that filter by index (multi-search, index lists) or add a tenant token's filter.
// Installed once per app by the roles that serve routes; a route missing from the table is
// refused, never served open.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  authorizeRequest,
  grantAllowsIndex,
  grantAllowsIndexCreation,
  grantFilter,
  invalidApiKey,
  type AuthContext,
  type AuthGrant,
} from '#core/auth/authorize.ts';
import { deriveKeyValue, type KeysState } from '#core/auth/keys.ts';
import { fuseFilters } from '#core/auth/tenant-token.ts';
import { miroirError } from '#core/errors.ts';
import { routeRule } from '#core/meili/routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** How the request was authorized; absent on apps without the auth hook. */
    miroirAuth?: AuthGrant;
  }
}

export interface HttpAuthOptions {
  /** `auth.masterKey`; null runs open as Meilisearch does without one (`/keys` then refuses). */
  readonly masterKey: string | null;
  /** The process's key projection state. */
  readonly keys: () => KeysState;
  /** Clock in ms (tests pass their own). */
  readonly now?: () => number;
}

const EMPTY_KEYS: KeysState = { offset: -1, keys: {}, seeded: false };
const installed = new WeakSet<FastifyInstance>();

/** Derived values by key, recomputed only when the key state changes (values stay in memory). */
function valueIndex(masterKey: string | null): (state: KeysState) => Map<string, string> {
  let of: KeysState | undefined;
  let index = new Map<string, string>();
  return (state) => {
    if (state === of) return index;
    of = state;
    index = new Map();
    if (masterKey !== null)
      for (const uid of Object.keys(state.keys)) index.set(deriveKeyValue(uid, masterKey), uid);
    return index;
  };
}

/** True once the auth hook is on `app`. */
export function hasHttpAuth(app: FastifyInstance): boolean {
  return installed.has(app);
}

/** Adds the auth hook to `app` (once: later calls are ignored). */
export function installHttpAuth(app: FastifyInstance, opts: HttpAuthOptions): void {
  if (installed.has(app)) return;
  installed.add(app);
  const values = valueIndex(opts.masterKey);
  const now = opts.now ?? Date.now;
  app.decorateRequest('miroirAuth', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    const url = request.routeOptions.url;
    // Unknown paths get Meilisearch's bare 404 without a key check, as actix answers them.
    if (url === undefined || request.method === 'OPTIONS') return done();
    const rule = routeRule(request.method, url);
    if (rule === undefined) {
      done(miroirError('internal', `The route \`${request.method} ${url}\` has no authorization rule.`));
      return;
    }
    try {
      const keys = opts.keys();
      const ctx: AuthContext = {
        masterKey: opts.masterKey,
        keys,
        keyUidOf: (value) => values(keys).get(value),
        keyValueOf: (uid) => (opts.masterKey === null ? null : deriveKeyValue(uid, opts.masterKey)),
        now: now(),
      };
      const index = rule.indexScoped ? (request.params as { indexUid?: string }).indexUid : undefined;
      request.miroirAuth = authorizeRequest(rule, request.headers.authorization, index, ctx);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
}

/** The auth hook of a role's app: `auth.masterKey` and the process's key projection. */
export function installRoleAuth(
  app: FastifyInstance,
  masterKey: string | undefined,
  keys: () => KeysState,
): void {
  installHttpAuth(app, { masterKey: masterKey ?? null, keys });
}

/** The empty key state, for apps that enforce only the master key (tests, devnode-less setups). */
export function noKeys(): KeysState {
  return EMPTY_KEYS;
}

/** Whether the request's key (and tenant token) may act on `indexUid`. */
export function requestAllowsIndex(request: FastifyRequest, indexUid: string): boolean {
  return request.miroirAuth === undefined || grantAllowsIndex(request.miroirAuth, indexUid);
}

/** True unless the request's key is limited to some indexes (Meilisearch's `all_indexes_authorized`). */
export function requestSeesAllIndexes(request: FastifyRequest): boolean {
  const grant = request.miroirAuth;
  return (
    grant === undefined ||
    grant.kind !== 'key' ||
    (grant.key.indexes.includes('*') && grant.searchRules === null)
  );
}

/** Meilisearch's refusal when an index-less route's handler meets an index the key may not touch. */
export function checkRequestIndex(request: FastifyRequest, indexUid: string): void {
  if (!requestAllowsIndex(request, indexUid)) throw invalidApiKey();
}

/** Refuses a creation of `indexUid` the key may not make (Meilisearch's `allow_index_creation`). */
export function checkIndexCreation(request: FastifyRequest, indexUid: string): void {
  const grant = request.miroirAuth;
  if (grant !== undefined && !grantAllowsIndexCreation(grant, indexUid, Date.now())) throw invalidApiKey();
}

/** A search body with the tenant token's filter of `indexUid` ANDed in (Meilisearch's `add_search_rules`). */
export function withTenantFilter<T>(request: FastifyRequest, indexUid: string, body: T): T {
  const grant = request.miroirAuth;
  if (grant === undefined) return body;
  const filter = grantFilter(grant, indexUid);
  if (filter === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return { ...body, filter: fuseFilters((body as { filter?: unknown }).filter, filter) };
}
