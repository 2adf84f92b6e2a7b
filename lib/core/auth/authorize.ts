// Who may call a route, decided as Meilisearch's `GuardedData` extractor and `ActionPolicy` decide
// it (crates/meilisearch/src/extractors/authentication): the Authorization header, the master key,
// API keys (action, index patterns, expiry) and tenant tokens (search only), with the same error
// codes and messages. Pure: the caller passes the keys, the derived-value lookup and the clock.
import { miroirError, type MiroirError } from '#core/errors.ts';
import type { RouteRule } from '#core/meili/routes.ts';
import { actionScope, expandActions, type Action } from './actions.ts';
import { patternMatches } from './key-requests.ts';
import { isExpired, sameSecret, type KeyRecord, type KeysState } from './keys.ts';
import {
  searchRulesAuthorize,
  searchRulesIndexes,
  tenantFilterOf,
  TenantTokenError,
  tenantTokenKeyUid,
  verifyTenantToken,
  type SearchRules,
} from './tenant-token.ts';

export interface AuthContext {
  readonly masterKey: string | null;
  readonly keys: KeysState;
  /** The uid of the live key whose derived value is `value`. */
  keyUidOf(value: string): string | undefined;
  /** The derived value of a key uid (for tenant token signatures); null without a master key. */
  keyValueOf(uid: string): string | null;
  /** ms since the epoch. */
  readonly now: number;
}

/** What a request was allowed as; handlers of index-less routes filter by it. */
export type AuthGrant =
  | { readonly kind: 'open' }
  | { readonly kind: 'master' }
  | { readonly kind: 'key'; readonly key: KeyRecord; readonly searchRules: SearchRules | null };

const MISSING_HEADER = 'The Authorization header is missing. It must use the bearer authorization method.';
const INVALID_KEY = 'The provided API key is invalid.';
const MISSING_MASTER_KEY =
  'Meilisearch is running without a master key. To access this API endpoint, you must have set a master key at launch.';

export const invalidApiKey = (message = INVALID_KEY): MiroirError => miroirError('invalid_api_key', message);

const isKeysAction = (action: Action): boolean => action.startsWith('keys.');

/** Rust's `{:?}` of a `Vec<String>`: `["a", "b"]`. */
const debugList = (items: readonly string[]): string => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;

/** The bearer token of an Authorization header: undefined when absent; throws on another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme !== 'Bearer') throw miroirError('missing_authorization_header', MISSING_HEADER);
  if (space < 0) throw invalidApiKey();
  return header.slice(space + 1);
}

function keyIndexesAuthorize(key: KeyRecord, indexUid: string): boolean {
  return key.indexes.some((p) => p === '*' || patternMatches(p, indexUid));
}

// Expanded action sets per key record (records are immutable; a change folds a new one).
const grantedActions = new WeakMap<KeyRecord, ReadonlySet<Action>>();
function actionsOf(key: KeyRecord): ReadonlySet<Action> {
  let set = grantedActions.get(key);
  if (set === undefined) {
    set = expandActions(key.actions);
    grantedActions.set(key, set);
  }
  return set;
}

/** meilisearch-auth's `is_key_authorized`: the action on the index (or, index-less, anywhere the route checks). */
function keyHoldsAction(key: KeyRecord, action: Action, indexUid: string | undefined, now: number): boolean {
  if (!actionsOf(key).has(action)) return false;
  const global = key.indexes.includes('*');
  let scoped: boolean;
  if (global) scoped = true;
  else if (indexUid !== undefined) scoped = keyIndexesAuthorize(key, indexUid);
  else scoped = actionScope(action) === 'handler' && key.indexes.length > 0;
  return scoped && !isExpired(key, now);
}

/**
 * The grant for a request on `rule`, or the Meilisearch error to answer. `indexUid` is the path's
 * index for index-scoped routes.
 */
export function authorizeRequest(
  rule: RouteRule,
  authorization: string | undefined,
  indexUid: string | undefined,
  ctx: AuthContext,
): AuthGrant {
  if (rule.action === 'public') return { kind: 'open' };
  const action = rule.action;
  const token = bearerToken(authorization);
  if (ctx.masterKey === null) {
    if (!isKeysAction(action)) return { kind: 'open' };
    throw miroirError('missing_master_key', MISSING_MASTER_KEY);
  }
  if (token === undefined) throw miroirError('missing_authorization_header', MISSING_HEADER);
  if (sameSecret(token, ctx.masterKey)) return { kind: 'master' };

  let keyUid: string | undefined;
  let searchRules: SearchRules | null = null;
  // Only search routes take tenant tokens; elsewhere a JWT is just an unknown API key.
  if (action === 'search') {
    try {
      keyUid = tenantTokenKeyUid(token);
      const signingKey = ctx.keyValueOf(keyUid);
      if (signingKey === null) throw invalidApiKey();
      searchRules = verifyTenantToken(token, signingKey, Math.floor(ctx.now / 1000)).searchRules;
    } catch (err) {
      if (!(err instanceof TenantTokenError)) throw err;
      if (err.kind !== 'not-a-token') throw invalidApiKey(err.message);
      keyUid = undefined;
    }
  }
  keyUid ??= ctx.keyUidOf(/^[0-9a-fA-F]+$/.test(token) ? token.toLowerCase() : token);
  const key = keyUid === undefined ? undefined : ctx.keys.keys[keyUid];
  if (key === undefined) throw invalidApiKey();

  if (indexUid !== undefined) {
    if (searchRules !== null && !searchRulesAuthorize(searchRules, indexUid))
      throw invalidApiKey(
        `The provided tenant token cannot acces the index \`${indexUid}\`, allowed indexes are ${debugList(searchRulesIndexes(searchRules))}.`,
      );
    if (!keyIndexesAuthorize(key, indexUid))
      throw invalidApiKey(
        searchRules !== null
          ? `The API key used to generate this tenant token cannot acces the index \`${indexUid}\`.`
          : `The API key cannot acces the index \`${indexUid}\`, authorized indexes are ${debugList([...key.indexes].sort())}.`,
      );
  }
  if (!keyHoldsAction(key, action, indexUid, ctx.now)) throw invalidApiKey();
  return { kind: 'key', key, searchRules };
}

/** Meilisearch's `AuthFilter::is_index_authorized`: the key's indexes and the tenant token's rules. */
export function grantAllowsIndex(grant: AuthGrant, indexUid: string): boolean {
  if (grant.kind !== 'key') return true;
  return (
    keyIndexesAuthorize(grant.key, indexUid) &&
    (grant.searchRules === null || searchRulesAuthorize(grant.searchRules, indexUid))
  );
}

/** The filter a tenant token adds to searches of an index; undefined when none. */
export function grantFilter(grant: AuthGrant, indexUid: string): unknown {
  if (grant.kind !== 'key' || grant.searchRules === null) return undefined;
  return tenantFilterOf(grant.searchRules, indexUid);
}

/** Meilisearch's `allow_index_creation`: the key may create indexes, and this one. */
export function grantAllowsIndexCreation(grant: AuthGrant, indexUid: string, now: number): boolean {
  if (grant.kind !== 'key') return true;
  return keyHoldsAction(grant.key, 'indexes.create', undefined, now) && grantAllowsIndex(grant, indexUid);
}
