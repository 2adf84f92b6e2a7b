// Master-key authentication as Meilisearch applies it: without a master key every route is open
// except `/keys`; with one, every route but `/health` needs `Authorization: Bearer <key>`, where
// the key is the master key or one of the default API keys derived from it.
import { createHmac } from 'node:crypto';
import { miroirError } from '#core/errors.ts';

export interface ApiKey {
  name: string;
  description: string;
  key: string;
  uid: string;
  actions: string[];
  indexes: string[];
  expiresAt: null;
  createdAt: string;
  updatedAt: string;
}

// Fixed uids, so a restarted node derives the same default keys from the same master key.
const DEFAULT_KEYS = [
  {
    uid: '7fd2a1b6-3c0b-4b0e-9d0e-6b2f2f6e2c11',
    name: 'Default Search API Key',
    description: 'Use it to search from the frontend',
    actions: ['search'],
  },
  {
    uid: '0b4a3f66-9b93-4d6e-8a2d-5d7a1c3e9f22',
    name: 'Default Admin API Key',
    description:
      'Use it for anything that is not a search operation. Caution! Do not expose it on a public frontend',
    actions: ['*'],
  },
];

/** Meilisearch derives a key's value as the HMAC-SHA256 (secret = master key) of its uid. */
export function defaultApiKeys(masterKey: string, createdAt: string): ApiKey[] {
  return DEFAULT_KEYS.map((k) => ({
    ...k,
    key: createHmac('sha256', masterKey).update(k.uid).digest('hex'),
    indexes: ['*'],
    expiresAt: null,
    createdAt,
    updatedAt: createdAt,
  }));
}

const SEARCH_ROUTE = /^\/(multi-search|indexes\/[^/]+\/(search|facet-search))(\?|$)/;

/** Throws the Meilisearch auth error for a request, or returns when it may pass. */
export function authorize(
  url: string,
  authorization: string | undefined,
  masterKey: string | null,
  keys: ApiKey[],
): void {
  const path = url.split('?')[0]!;
  if (path === '/health') return;
  const isKeysRoute = path === '/keys' || path.startsWith('/keys/');
  if (masterKey === null) {
    if (isKeysRoute) {
      throw miroirError(
        'missing_master_key',
        'Meilisearch is running without a master key. To access this API endpoint, you must have set a master key at launch.',
      );
    }
    return;
  }
  if (authorization === undefined || !/^Bearer(\s|$)/.test(authorization)) {
    throw miroirError(
      'missing_authorization_header',
      'The Authorization header is missing. It must use the bearer authorization method.',
    );
  }
  const token = authorization.slice('Bearer'.length).trim();
  if (token === masterKey) return;
  const key = keys.find((k) => k.key === token);
  const allowed =
    key !== undefined &&
    !isKeysRoute &&
    (key.actions.includes('*') || (key.actions.includes('search') && SEARCH_ROUTE.test(url)));
  if (!allowed) throw miroirError('invalid_api_key', 'The provided API key is invalid.');
}
