// The auth matrix, generated from the one route table: every route of every role is tried with no
// key, a wrong key, an expired key, a key scoped to another index, a key without the route's
// action, a fitting key and the master key, and must answer as Meilisearch 1.50 answers. The app's
// registered routes must equal the table, so a route served without an auth rule fails here.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionScope, type Action } from '#core/auth/actions.ts';
import { deriveKeyValue } from '#core/auth/keys.ts';
import { ROUTES, type RouteRule } from '#core/meili/routes.ts';
import { buildAuthApp, memoryKeyStore, type KeyStore } from './app.ts';

const MASTER = 'matrix-master-key-0123456789';
const NOW = Date.parse('2026-06-01T00:00:00Z');
const KEY_UID_IN_PATH = '6062abda-a5aa-4414-ac91-ecd7944c0f8d';

const MISSING_HEADER = {
  message: 'The Authorization header is missing. It must use the bearer authorization method.',
  code: 'missing_authorization_header',
  type: 'auth',
  link: 'https://docs.meilisearch.com/errors#missing_authorization_header',
};
const invalid = (message = 'The provided API key is invalid.') => ({
  message,
  code: 'invalid_api_key',
  type: 'auth',
  link: 'https://docs.meilisearch.com/errors#invalid_api_key',
});

let uidCounter = 0;
async function addKey(
  store: KeyStore,
  key: { actions: string[]; indexes: string[]; expiresAt?: number | null },
): Promise<string> {
  uidCounter += 1;
  const keyUid = `00000000-0000-4000-8000-${String(uidCounter).padStart(12, '0')}`;
  await store.append([
    {
      eventId: `k${uidCounter}`,
      type: 'KeyCreated',
      schemaVersion: 1,
      indexUid: null,
      generation: null,
      timestamp: NOW - 1000,
      taskUid: null,
      keyUid,
      name: null,
      description: null,
      actions: key.actions,
      indexes: key.indexes,
      expiresAt: key.expiresAt ?? null,
    },
  ]);
  return deriveKeyValue(keyUid, MASTER);
}

function urlOf(rule: RouteRule): string {
  return rule.path
    .replace(':indexUid', 'movies')
    .replace(':documentId', '1')
    .replace(':taskUid', '1')
    .replace(':batchUid', '1')
    .replace(':key', KEY_UID_IN_PATH);
}

async function call(app: FastifyInstance, rule: RouteRule, token?: string) {
  const withBody = rule.method === 'POST' || rule.method === 'PUT' || rule.method === 'PATCH';
  const response = await app.inject({
    method: rule.method,
    url: urlOf(rule),
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(withBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(withBody ? { payload: '{}' } : {}),
  });
  const json = String(response.headers['content-type'] ?? '').startsWith('application/json');
  const body = json && response.body !== '' ? (JSON.parse(response.body) as Record<string, unknown>) : null;
  return { status: response.statusCode, body };
}

const AUTH_CODES = ['missing_authorization_header', 'invalid_api_key', 'missing_master_key'];
function expectPassed(result: { status: number; body: Record<string, unknown> | null }, what: string): void {
  expect([401, 403], what).not.toContain(result.status);
  expect(AUTH_CODES, what).not.toContain(result.body?.code);
}

/** Another action than the route's, never one that grants it. */
const otherAction = (action: Action): Action => (action === 'version' ? 'search' : 'version');

describe('auth matrix over the route table (master key set)', () => {
  const store = memoryKeyStore();
  const { app, registered } = buildAuthApp({ masterKey: MASTER, keys: store, now: () => NOW });
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    tokens.expired = await addKey(store, { actions: ['*'], indexes: ['*'], expiresAt: NOW - 1 });
    tokens.otherIndex = await addKey(store, { actions: ['*'], indexes: ['books'] });
    await app.ready();
  });
  afterAll(() => app.close());

  it('given the app of every role, when its routes are listed, then they are exactly the route table', () => {
    const table = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(
      [...registered].filter((r) => !table.has(r)),
      'routes without an auth rule',
    ).toEqual([]);
    expect(
      [...table].filter((r) => !registered.has(r)),
      'table rows no role serves',
    ).toEqual([]);
  });

  for (const rule of ROUTES) {
    const name = `${rule.method} ${rule.path}`;
    if (rule.action === 'public') {
      it(`${name} is public: no key needed`, async () => {
        expectPassed(await call(app, rule), name);
      });
      continue;
    }
    const action = rule.action;
    it(`${name} (${action}): each key gets Meilisearch's answer`, async () => {
      expect(await call(app, rule)).toEqual({ status: 401, body: MISSING_HEADER });
      expect(await call(app, rule, 'not-a-key')).toEqual({ status: 403, body: invalid() });
      expect(await call(app, rule, tokens.expired)).toEqual({ status: 403, body: invalid() });

      const other = await call(app, rule, tokens.otherIndex);
      if (rule.indexScoped)
        expect(other).toEqual({
          status: 403,
          body: invalid('The API key cannot acces the index `movies`, authorized indexes are ["books"].'),
        });
      else if (actionScope(action) === 'handler') expectPassed(other, `${name}: handler filters the indexes`);
      else expect(other).toEqual({ status: 403, body: invalid() });

      const without = await addKey(store, { actions: [otherAction(action)], indexes: ['*'] });
      expect(await call(app, rule, without)).toEqual({ status: 403, body: invalid() });

      const scoped = rule.indexScoped || actionScope(action) === 'handler';
      const fitting = await addKey(store, { actions: [action], indexes: scoped ? ['movies'] : ['*'] });
      expectPassed(await call(app, rule, fitting), `${name} with a fitting key`);
      expectPassed(await call(app, rule, MASTER), `${name} with the master key`);
    });
  }

  it('given a header of another scheme or a bare Bearer, when checked, then 401 and 403 as Meilisearch', async () => {
    const rule = ROUTES.find((r) => r.path === '/version') as RouteRule;
    const basic = await app.inject({
      method: 'GET',
      url: '/version',
      headers: { authorization: `Basic ${MASTER}` },
    });
    expect(basic.statusCode).toBe(401);
    expect(JSON.parse(basic.body)).toEqual(MISSING_HEADER);
    const bare = await app.inject({ method: 'GET', url: '/version', headers: { authorization: 'Bearer' } });
    expect(bare.statusCode).toBe(403);
    expect(JSON.parse(bare.body)).toEqual(invalid());
    expectPassed(await call(app, rule, MASTER), 'master key');
  });

  it('given wildcards, when a key holds documents.* or *.get, then it gets exactly what they expand to', async () => {
    const documents = await addKey(store, { actions: ['documents.*'], indexes: ['mov*'] });
    const add = ROUTES.find(
      (r) => r.method === 'POST' && r.path === '/indexes/:indexUid/documents',
    ) as RouteRule;
    const settings = ROUTES.find(
      (r) => r.method === 'PATCH' && r.path === '/indexes/:indexUid/settings',
    ) as RouteRule;
    expectPassed(await call(app, add, documents), 'documents.* on movies via mov*');
    expect((await call(app, settings, documents)).status).toBe(403);
    const reads = await addKey(store, { actions: ['*.get'], indexes: ['*'] });
    const getKeys = ROUTES.find((r) => r.method === 'GET' && r.path === '/keys') as RouteRule;
    const stats = ROUTES.find((r) => r.method === 'GET' && r.path === '/stats') as RouteRule;
    expectPassed(await call(app, stats, reads), '*.get grants stats.get');
    // As in Meilisearch, *.get leaves keys.get out (no privilege escalation through a read key).
    expect((await call(app, getKeys, reads)).status).toBe(403);
  });
});

describe('auth without a master key', () => {
  const { app } = buildAuthApp({ masterKey: null });
  afterAll(() => app.close());

  for (const rule of ROUTES.filter((r) => r.action !== 'public')) {
    const name = `${rule.method} ${rule.path}`;
    const keys = rule.owner === 'keys';
    it(`${name} ${keys ? 'answers missing_master_key' : 'is open'}`, async () => {
      const result = await call(app, rule);
      if (keys)
        expect(result).toEqual({
          status: 401,
          body: {
            message:
              'Meilisearch is running without a master key. To access this API endpoint, you must have set a master key at launch.',
            code: 'missing_master_key',
            type: 'auth',
            link: 'https://docs.meilisearch.com/errors#missing_master_key',
          },
        });
      else expectPassed(result, name);
    });
  }
});

describe('a route missing from the table', () => {
  it('given a route registered without a rule, when called even with the master key, then it is refused and listed as unruled', async () => {
    const { app, registered } = buildAuthApp({
      masterKey: MASTER,
      extra: (a) => a.get('/_miroir/unruled', async () => ({ open: true })),
    });
    const table = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect([...registered].filter((r) => !table.has(r))).toEqual(['GET /_miroir/unruled']);
    const response = await app.inject({
      method: 'GET',
      url: '/_miroir/unruled',
      headers: { authorization: `Bearer ${MASTER}` },
    });
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'internal' });
    await app.close();
  });
});
