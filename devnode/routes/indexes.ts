// Index routes: list, create, get, update (primary key, rename), delete, per-index stats and
// `/swap-indexes`. Writes only validate shape here; existence checks happen in the task.
import type { FastifyInstance } from 'fastify';
import { miroirError } from '#core/errors.ts';
import type { IndexState } from '#devnode/state.ts';
import { jsonBody, pathIndexUid, queryOf } from '#adapters/meili-request.ts';
import type { DevnodeContext } from '#devnode/routes/context.ts';
import {
  expectObject,
  JsonFields,
  kindOf,
  missingFieldError,
  QueryFields,
  typeError,
} from '#core/meili/deserr.ts';
import { indexUidError, isValidIndexUid, validateIndexUid } from '#core/meili/index-uid.ts';

export function indexView(index: IndexState): Record<string, unknown> {
  return {
    uid: index.uid,
    createdAt: index.createdAt,
    updatedAt: index.updatedAt,
    primaryKey: index.primaryKey,
  };
}

export function indexStats(ctx: DevnodeContext, index: IndexState): Record<string, unknown> {
  const { numberOfDocuments, fieldDistribution } = index.engine.stats();
  const { bytes } = ctx.store.documentBytes(index.uid);
  return {
    numberOfDocuments,
    rawDocumentDbSize: bytes,
    avgDocumentSize: numberOfDocuments === 0 ? 0 : Math.round(bytes / numberOfDocuments),
    isIndexing: ctx.queue.isIndexing(index.uid),
    numberOfEmbeddings: 0,
    numberOfEmbeddedDocuments: 0,
    fieldDistribution,
  };
}

function uidField(obj: Record<string, unknown>, key: string, path = ''): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw typeError('invalid_index_uid', `${path}.${key}`, ['string'], v);
  if (!isValidIndexUid(v))
    throw miroirError(
      'invalid_index_uid',
      `Invalid value at \`${path}.${key}\`: ${indexUidError(v).message}`,
    );
  return v;
}

export function registerIndexRoutes(app: FastifyInstance, ctx: DevnodeContext): void {
  app.get('/indexes', async (req) => {
    const q = new QueryFields(queryOf(req), ['offset', 'limit']);
    const offset = q.usize('offset', 'invalid_index_offset') ?? 0;
    const limit = q.usize('limit', 'invalid_index_limit') ?? 20;
    const all = ctx.state.list();
    return { results: all.slice(offset, offset + limit).map(indexView), offset, limit, total: all.length };
  });

  app.post('/indexes', async (req, reply) => {
    const obj = expectObject(jsonBody(req), ['uid', 'primaryKey']);
    if (obj.uid === undefined) throw missingFieldError('missing_index_uid', 'uid');
    const uid = uidField(obj, 'uid')!;
    const primaryKey = new JsonFields(obj).string('primaryKey', 'invalid_index_primary_key', true) ?? null;
    return reply
      .code(202)
      .send(ctx.queue.enqueue('indexCreation', uid, { primaryKey }, { kind: 'createIndex', primaryKey }));
  });

  app.get('/indexes/:indexUid', async (req) => indexView(ctx.state.require(pathIndexUid(req))));

  app.patch('/indexes/:indexUid', async (req, reply) => {
    const uid = pathIndexUid(req);
    const body = jsonBody(req);
    if (kindOf(body) === 'object') {
      const o = body as Record<string, unknown>;
      if ('createdAt' in o)
        throw miroirError(
          'immutable_index_created_at',
          'Immutable field `createdAt`: expected one of `primaryKey`, `uid`',
        );
      if ('updatedAt' in o)
        throw miroirError(
          'immutable_index_updated_at',
          'Immutable field `updatedAt`: expected one of `primaryKey`, `uid`',
        );
    }
    const obj = expectObject(body, ['primaryKey', 'uid']);
    const primaryKey = new JsonFields(obj).string('primaryKey', 'invalid_index_primary_key', true) ?? null;
    const newUid = uidField(obj, 'uid') ?? null;
    const details: Record<string, unknown> = { primaryKey };
    if (newUid !== null) Object.assign(details, { oldIndexUid: uid, newIndexUid: newUid });
    return reply
      .code(202)
      .send(ctx.queue.enqueue('indexUpdate', uid, details, { kind: 'updateIndex', primaryKey, newUid }));
  });

  app.delete('/indexes/:indexUid', async (req, reply) => {
    const uid = pathIndexUid(req);
    return reply
      .code(202)
      .send(ctx.queue.enqueue('indexDeletion', uid, { deletedDocuments: null }, { kind: 'deleteIndex' }));
  });

  app.get('/indexes/:indexUid/stats', async (req) => indexStats(ctx, ctx.state.require(pathIndexUid(req))));

  app.post('/swap-indexes', async (req, reply) => {
    const body = jsonBody(req);
    if (!Array.isArray(body)) throw typeError('bad_request', '', ['array'], body);
    const swaps = body.map((item, i) => {
      const path = `[${i}]`;
      const obj = expectObject(item, ['indexes', 'rename'], 'bad_request', path);
      if (obj.indexes === undefined) throw missingFieldError('missing_swap_indexes', 'indexes', path);
      const names = new JsonFields(obj, path).stringArray('indexes', 'invalid_swap_indexes', false)!;
      if (names.length !== 2) {
        throw miroirError(
          'invalid_swap_indexes',
          `Two indexes must be given for each swap. The list \`${JSON.stringify(names)}\` contains ${names.length} indexes.`,
        );
      }
      for (const n of names) validateIndexUid(n);
      const rename = new JsonFields(obj, path).bool('rename', 'invalid_swap_rename', true) ?? false;
      return { indexes: [names[0]!, names[1]!] as [string, string], rename };
    });
    const seen = new Set<string>();
    for (const s of swaps) {
      for (const n of s.indexes) {
        if (seen.has(n))
          throw miroirError(
            'invalid_swap_duplicate_index_found',
            `Indexes must be declared only once during a swap. \`${n}\` was specified several times.`,
          );
        seen.add(n);
      }
    }
    return reply
      .code(202)
      .send(ctx.queue.enqueue('indexSwap', null, { swaps }, { kind: 'swapIndexes', swaps }));
  });
}
