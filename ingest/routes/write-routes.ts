// Meilisearch's write routes, served by ingest: index create / update / delete, document
// add-or-replace and add-or-update (JSON, NDJSON, CSV), deletions (one, batch, filter, all) and
// settings updates and resets (whole object and each sub-route). Every route validates first and
// answers 202 with an `EnqueuedTask` once Kafka acknowledged all of the request's records.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { parseDocumentsPayload, payloadFormat, type PayloadFormat } from '#core/documents/payload.ts';
import { jsonDocumentBodies, ndjsonDocumentBodies } from '#core/ingest/json-spans.ts';
import { miroirError } from '#core/errors.ts';
import { parseFilter } from '#core/filter/parse.ts';
import { renderEnqueuedTask } from '#core/tasks/task-view.ts';
import { jsonBody, pathIndexUid, queryOf } from '#adapters/meili-request.ts';
import {
  checkIndexCreation,
  checkRequestIndex,
  requestAllowsIndex,
  requestSeesAllIndexes,
} from '#adapters/http-auth.ts';
import { expectObject, JsonFields, missingFieldError, QueryFields, typeError } from '#core/meili/deserr.ts';
import { indexUidError, isValidIndexUid } from '#core/meili/index-uid.ts';
import {
  parseSettingsBody,
  SETTINGS_KEYS,
  SETTINGS_ROUTES,
  validateSetting,
} from '#core/meili/settings-validate.ts';
import type { IndexSwap } from '#core/events/control-events.ts';
import { parseTaskFilter } from '#core/tasks/task-query.ts';
import type { IndexLifecycle, IndexTask } from '../index-lifecycle.ts';
import type { TaskAdmin } from '../task-admin.ts';
import type { WriteResult, Writes } from '../writes.ts';

export const SETTINGS_VERSION_HEADER = 'x-miroir-settings-version';

export interface WriteRoutesDeps {
  readonly writes: Writes;
  readonly lifecycle: IndexLifecycle;
  /** Task cancelation and deletion; without it those routes are not served. */
  readonly taskAdmin?: TaskAdmin;
}

const DOCUMENT_TYPES = ['application/json', 'application/x-ndjson', 'text/csv'] as const;

function accepted(reply: FastifyReply, result: WriteResult): FastifyReply {
  if (result.settingsVersion !== null) reply.header(SETTINGS_VERSION_HEADER, String(result.settingsVersion));
  return reply.code(202).send(renderEnqueuedTask(result.taskUid, result.enqueued));
}

/** 202 body of an index task (its type and index are known without a plan). */
function indexTaskAccepted(
  reply: FastifyReply,
  task: IndexTask,
  type: string,
  indexUid: string | null,
): FastifyReply {
  return reply
    .code(202)
    .send(
      renderEnqueuedTask(task.taskUid, { type, indexUid, enqueuedAt: task.enqueuedAt, customMetadata: null }),
    );
}

function uidField(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw typeError('invalid_index_uid', `.${key}`, ['string'], v);
  if (!isValidIndexUid(v))
    throw miroirError('invalid_index_uid', `Invalid value at \`.${key}\`: ${indexUidError(v).message}`);
  return v;
}

/** `POST /swap-indexes` body, checked as Meilisearch checks it (deserr messages and codes). */
export function parseSwapsBody(body: unknown): IndexSwap[] {
  if (!Array.isArray(body)) throw typeError('bad_request', '', ['array'], body);
  const seen = new Set<string>();
  return body.map((item: unknown, i) => {
    const path = `[${i}]`;
    const obj = expectObject(item, ['indexes', 'rename'], 'bad_request', path);
    if (obj.indexes === undefined) throw missingFieldError('missing_swap_indexes', 'indexes', path);
    const indexes = obj.indexes;
    if (!Array.isArray(indexes))
      throw typeError('invalid_swap_indexes', `${path}.indexes`, ['array'], indexes);
    indexes.forEach((uid: unknown, j) => {
      if (typeof uid !== 'string')
        throw typeError('invalid_swap_indexes', `${path}.indexes[${j}]`, ['string'], uid);
      if (!isValidIndexUid(uid))
        throw miroirError(
          'invalid_swap_indexes',
          `Invalid value at \`${path}.indexes[${j}]\`: ${indexUidError(uid).message}`,
        );
    });
    if (indexes.length !== 2)
      throw miroirError(
        'invalid_swap_indexes',
        `Two indexes must be given for each swap. The list \`${JSON.stringify(indexes)}\` contains ${indexes.length} indexes.`,
      );
    const rename = obj.rename ?? false;
    if (typeof rename !== 'boolean')
      throw typeError('invalid_swap_rename', `${path}.rename`, ['boolean'], rename);
    const pair = indexes as [string, string];
    for (const uid of pair) {
      if (seen.has(uid))
        throw miroirError(
          'invalid_swap_duplicate_index_found',
          `Indexes must be declared only once during a swap. \`${uid}\` was specified several times.`,
        );
      seen.add(uid);
    }
    return { indexes: pair, rename };
  });
}

/** `?` and the raw query string, as Meilisearch shows it in `originalFilter`. */
function originalFilter(req: FastifyRequest): string {
  const at = req.url.indexOf('?');
  return at < 0 ? '?' : req.url.slice(at);
}

/** Ids sent as JSON: strings stay, other values become their JSON text (as Meilisearch does). */
function idText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The client's own JSON of each document of a payload that parsed, kept as its log body: views
 * into the request bytes; when the bytes are not valid UTF-8, views into the UTF-8 of the parsed
 * text (which holds U+FFFD where they were: the log must agree with what was validated). CSV rows
 * have none.
 */
function documentBodies(format: PayloadFormat, bytes: Buffer, text: string): readonly Buffer[] | undefined {
  if (format === 'csv') return undefined;
  const valid = isUtf8(bytes) ? bytes : Buffer.from(text, 'utf8');
  return format === 'json' ? jsonDocumentBodies(valid) : ndjsonDocumentBodies(valid);
}

export function registerWriteRoutes(app: FastifyInstance, deps: WriteRoutesDeps): void {
  const { writes, lifecycle } = deps;
  // An encapsulated scope: bodies arrive as raw bytes (document payloads are parsed per format,
  // JSON routes with Meilisearch's exact error order); the rest of the app keeps its parsers.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    scope.post('/indexes', async (req, reply) => {
      const obj = expectObject(jsonBody(req), ['uid', 'primaryKey']);
      if (obj.uid === undefined) throw missingFieldError('missing_index_uid', 'uid');
      const uid = uidField(obj, 'uid') as string;
      const primaryKey = new JsonFields(obj).string('primaryKey', 'invalid_index_primary_key', true) ?? null;
      checkIndexCreation(req, uid);
      return indexTaskAccepted(reply, await lifecycle.createTask(uid, primaryKey), 'indexCreation', uid);
    });

    scope.patch('/indexes/:indexUid', async (req, reply) => {
      const uid = pathIndexUid(req);
      const body = jsonBody(req);
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
        if ('createdAt' in body)
          throw miroirError(
            'immutable_index_created_at',
            'Immutable field `createdAt`: expected one of `primaryKey`, `uid`',
          );
        if ('updatedAt' in body)
          throw miroirError(
            'immutable_index_updated_at',
            'Immutable field `updatedAt`: expected one of `primaryKey`, `uid`',
          );
      }
      const obj = expectObject(body, ['primaryKey', 'uid']);
      const primaryKey = new JsonFields(obj).string('primaryKey', 'invalid_index_primary_key', true) ?? null;
      const newUid = uidField(obj, 'uid');
      return indexTaskAccepted(
        reply,
        await lifecycle.updateTask(uid, primaryKey, newUid),
        'indexUpdate',
        uid,
      );
    });

    scope.post('/swap-indexes', async (req, reply) => {
      const swaps = parseSwapsBody(jsonBody(req));
      // Every index of the swap must be one the key covers, as Meilisearch checks it.
      for (const swap of swaps) for (const uid of swap.indexes) checkRequestIndex(req, uid);
      return indexTaskAccepted(reply, await lifecycle.swapTask(swaps), 'indexSwap', null);
    });

    const taskAdmin = deps.taskAdmin;
    // A key limited to some indexes cancels and deletes only their tasks; tasks of no index
    // (swaps, task operations) only with a key for every index.
    const visibleTo =
      (req: FastifyRequest) =>
      (indexUid: string | null): boolean =>
        indexUid === null ? requestSeesAllIndexes(req) : requestAllowsIndex(req, indexUid);
    if (taskAdmin !== undefined) {
      scope.post('/tasks/cancel', async (req, reply) => {
        const query = parseTaskFilter(queryOf(req), 'cancel');
        return indexTaskAccepted(
          reply,
          await taskAdmin.cancel(query, originalFilter(req), visibleTo(req)),
          'taskCancelation',
          null,
        );
      });
      scope.delete('/tasks', async (req, reply) => {
        const query = parseTaskFilter(queryOf(req), 'delete');
        return indexTaskAccepted(
          reply,
          await taskAdmin.delete(query, originalFilter(req), visibleTo(req)),
          'taskDeletion',
          null,
        );
      });
    }

    scope.delete('/indexes/:indexUid', async (req, reply) => {
      const uid = pathIndexUid(req);
      return indexTaskAccepted(reply, await lifecycle.deleteTask(uid), 'indexDeletion', uid);
    });

    const documentWrite = (mode: 'upsert' | 'update') => async (req: FastifyRequest, reply: FastifyReply) => {
      const uid = pathIndexUid(req);
      const q = new QueryFields(queryOf(req), [
        'primaryKey',
        'csvDelimiter',
        'customMetadata',
        'skipCreation',
      ]);
      const primaryKey = q.string('primaryKey', 'invalid_index_primary_key');
      const csvDelimiter = q.string('csvDelimiter', 'invalid_document_csv_delimiter');
      const customMetadata = q.string('customMetadata', 'invalid_index_custom_metadata');
      const skipCreation = q.bool('skipCreation', 'invalid_skip_creation');
      const bytes = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const body = bytes.toString('utf8');
      const contentType = req.headers['content-type'] ?? '';
      const documents = parseDocumentsPayload(
        body,
        contentType,
        csvDelimiter === undefined ? {} : { csvDelimiter },
      );
      const bodies = documentBodies(payloadFormat(contentType), bytes, body);
      const result = await writes.documents(uid, {
        mode,
        documents,
        ...(bodies !== undefined ? { bodies } : {}),
        ...(primaryKey !== undefined ? { primaryKey } : {}),
        ...(customMetadata !== undefined ? { customMetadata } : {}),
        ...(skipCreation !== undefined ? { skipCreation } : {}),
      });
      return accepted(reply, result);
    };
    const documentConfig = { config: { acceptedContentTypes: DOCUMENT_TYPES } };
    scope.post('/indexes/:indexUid/documents', documentConfig, documentWrite('upsert'));
    scope.put('/indexes/:indexUid/documents', documentConfig, documentWrite('update'));

    scope.delete('/indexes/:indexUid/documents', async (req, reply) =>
      accepted(reply, await writes.clear(pathIndexUid(req))),
    );

    scope.delete('/indexes/:indexUid/documents/:documentId', async (req, reply) => {
      const uid = pathIndexUid(req);
      const { documentId } = req.params as { documentId: string };
      return accepted(reply, await writes.deleteIds(uid, [documentId]));
    });

    scope.post('/indexes/:indexUid/documents/delete-batch', async (req, reply) => {
      const uid = pathIndexUid(req);
      const body = jsonBody(req);
      if (!Array.isArray(body)) throw typeError('bad_request', '', ['array'], body);
      return accepted(reply, await writes.deleteIds(uid, body.map(idText)));
    });

    scope.post('/indexes/:indexUid/documents/delete', async (req, reply) => {
      const uid = pathIndexUid(req);
      const obj = expectObject(jsonBody(req), ['filter']);
      if (obj.filter === undefined) throw missingFieldError('missing_document_filter', 'filter');
      const filter = obj.filter;
      if (
        filter === null ||
        (typeof filter === 'string' && filter.trim() === '') ||
        (Array.isArray(filter) && filter.length === 0)
      ) {
        throw miroirError('invalid_document_filter', 'Sending an empty filter is forbidden.');
      }
      // Syntax is checked now; whether the attributes are filterable is the nodes' call when they apply it.
      parseFilter(filter as string, { code: 'invalid_document_filter' });
      return accepted(reply, await writes.deleteByFilter(uid, filter));
    });

    scope.patch('/indexes/:indexUid/settings', async (req, reply) => {
      const uid = pathIndexUid(req);
      return accepted(reply, await writes.settings(uid, parseSettingsBody(jsonBody(req))));
    });

    scope.delete('/indexes/:indexUid/settings', async (req, reply) => {
      const uid = pathIndexUid(req);
      return accepted(
        reply,
        await writes.settings(uid, Object.fromEntries(SETTINGS_KEYS.map((k) => [k, null]))),
      );
    });

    for (const route of SETTINGS_ROUTES) {
      const url = `/indexes/:indexUid/settings/${route.path}`;
      scope.route({
        method: route.verb,
        url,
        handler: async (req, reply) => {
          const uid = pathIndexUid(req);
          const body = jsonBody(req);
          const value = body === null ? null : validateSetting(route.key, body, '');
          return accepted(reply, await writes.settings(uid, { [route.key]: value }));
        },
      });
      scope.delete(url, async (req, reply) =>
        accepted(reply, await writes.settings(pathIndexUid(req), { [route.key]: null })),
      );
    }
  });
}
