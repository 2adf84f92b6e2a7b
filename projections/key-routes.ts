// `/keys` as Meilisearch serves it: create, list, get (by uid or value), update (name and
// description) and delete. Changes are key events appended to `control`; the answer waits until
// this process's key projection folded them, so a key works here as soon as it is returned.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KeyRunner } from '#adapters/read-models/key-runner.ts';
import { parseCreateKey, parsePatchKey, parseUuid } from '#core/auth/key-requests.ts';
import { deriveKeyValue, keyView, listKeys, type KeyRecord } from '#core/auth/keys.ts';
import { miroirError } from '#core/errors.ts';
import type { KeyEvent } from '#core/events/key-events.ts';
import { QueryFields, type QueryParams } from '#core/meili/deserr.ts';

export interface KeyRoutesDeps {
  readonly keys: Pick<KeyRunner, 'state' | 'append' | 'waitForOffset'>;
  readonly masterKey: string | null;
  /** Clock in ms (tests pass their own). */
  readonly now?: () => number;
}

const envelope = <T extends KeyEvent['type']>(type: T, keyUid: string, timestamp: number) => ({
  eventId: `key-${type.slice(3).toLowerCase()}:${keyUid}:${randomUUID()}`,
  type,
  schemaVersion: 1,
  indexUid: null,
  generation: null,
  timestamp,
  taskUid: null,
  keyUid,
});

export function registerKeyRoutes(app: FastifyInstance, deps: KeyRoutesDeps): void {
  const now = deps.now ?? Date.now;
  const view = (key: KeyRecord) => keyView(key, deps.masterKey);

  /** Appends events and waits until this process folded them. */
  const commit = async (events: KeyEvent[]): Promise<void> => {
    const offsets = await deps.keys.append(events);
    await deps.keys.waitForOffset(Math.max(...offsets));
  };

  /** `{key}` is a uid or a key value, as in Meilisearch (`Uuid::parse_str`, else the value). */
  const keyOf = (request: FastifyRequest): KeyRecord => {
    const { key } = request.params as { key: string };
    const state = deps.keys.state();
    let uid = parseUuid(key);
    if (uid === null && deps.masterKey !== null) {
      const masterKey = deps.masterKey;
      uid = Object.keys(state.keys).find((u) => deriveKeyValue(u, masterKey) === key.toLowerCase()) ?? null;
    }
    const found = uid === null ? undefined : state.keys[uid];
    if (found === undefined) throw miroirError('api_key_not_found', `API key \`${uid ?? key}\` not found.`);
    return found;
  };

  app.post('/keys', async (request, reply) => {
    const at = now();
    const create = parseCreateKey(request.body, at);
    const uid = create.uid ?? randomUUID();
    if (deps.keys.state().keys[uid] !== undefined)
      throw miroirError(
        'api_key_already_exists',
        `\`uid\` field value \`${uid}\` is already an existing API key.`,
      );
    await commit([
      {
        ...envelope('KeyCreated', uid, at),
        name: create.name,
        description: create.description,
        actions: create.actions,
        indexes: create.indexes,
        expiresAt: create.expiresAt,
      },
    ]);
    const created = deps.keys.state().keys[uid];
    if (created === undefined) throw miroirError('api_key_not_found', `API key \`${uid}\` not found.`);
    return reply.code(201).send(view(created));
  });

  app.get('/keys', async (request) => {
    const q = new QueryFields(request.query as QueryParams, ['offset', 'limit']);
    const offset = q.usize('offset', 'invalid_api_key_offset') ?? 0;
    const limit = q.usize('limit', 'invalid_api_key_limit') ?? 20;
    const all = listKeys(deps.keys.state());
    return { results: all.slice(offset, offset + limit).map(view), offset, limit, total: all.length };
  });

  app.get('/keys/:key', async (request) => view(keyOf(request)));

  app.patch('/keys/:key', async (request) => {
    const patch = parsePatchKey(request.body);
    const key = keyOf(request);
    await commit([
      {
        ...envelope('KeyUpdated', key.uid, now()),
        name: patch.name === undefined ? key.name : patch.name,
        description: patch.description === undefined ? key.description : patch.description,
      },
    ]);
    return view(deps.keys.state().keys[key.uid] ?? key);
  });

  // A deletion reads no body: clients (the JS SDK) send a JSON content type with an empty one.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.delete('/keys/:key', async (request, reply) => {
      const key = keyOf(request);
      await commit([envelope('KeyDeleted', key.uid, now())]);
      return reply.code(204).send();
    });
  });
}
