// Document routes: add/replace (POST) and add/update (PUT) in JSON, NDJSON or CSV; list, fetch
// and get one; delete one, a batch, by filter, or all. Writes are parsed and counted up front
// and answered 202; ids and primary keys are checked when the task runs, as Meilisearch does.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { miroirError } from '#core/errors.ts';
import { parseDocumentsPayload } from '#core/documents/payload.ts';
import type { Document, ListDocumentsRequest } from '#devnode/engine/types.ts';
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
import { parseFilterValue, splitSortParam } from '#devnode/validate/search.ts';
import { engineCall } from '#devnode/engine-call.ts';

/** Keeps the requested fields (`*` = all) among the displayed ones. */
export function projectDocument(doc: Document, fields: string[] | null, displayed: string[]): Document {
  const allowed = (key: string, list: string[]) =>
    list.includes('*') || list.some((f) => f === key || f.startsWith(`${key}.`) || key.startsWith(`${f}.`));
  const out: Document = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!allowed(key, displayed)) continue;
    if (fields !== null && !allowed(key, fields)) continue;
    out[key] = value;
  }
  return out;
}

function writeDocuments(ctx: DevnodeContext, mode: 'replace' | 'update') {
  return async (req: FastifyRequest, reply: { code(n: number): { send(b: unknown): unknown } }) => {
    const uid = pathIndexUid(req);
    const q = new QueryFields(queryOf(req), ['primaryKey', 'csvDelimiter', 'customMetadata', 'skipCreation']);
    const primaryKey = q.string('primaryKey', 'invalid_index_primary_key') ?? null;
    const csvDelimiter = q.string('csvDelimiter', 'invalid_document_csv_delimiter');
    q.string('customMetadata', 'invalid_index_custom_metadata');
    const skipCreation = q.bool('skipCreation', 'invalid_skip_creation') === true;
    const contentType = req.headers['content-type'];
    const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const documents = parseDocumentsPayload(
      raw.toString('utf8'),
      contentType ?? '',
      csvDelimiter === undefined ? {} : { csvDelimiter },
    );
    const details = { receivedDocuments: documents.length, indexedDocuments: null };
    return reply.code(202).send(
      ctx.queue.enqueue('documentAdditionOrUpdate', uid, details, {
        kind: 'addDocuments',
        mode,
        primaryKey,
        documents,
        ...(skipCreation ? { skipCreation } : {}),
      }),
    );
  };
}

function listRequest(obj: {
  offset?: number;
  limit?: number;
  fields?: string[] | null;
  filter?: unknown;
  ids?: string[] | null;
  sort?: string[] | null;
}): ListDocumentsRequest {
  return {
    offset: obj.offset ?? 0,
    limit: obj.limit ?? 20,
    fields: obj.fields ?? null,
    filter: parseFilterValue(obj.filter, 'invalid_document_filter'),
    ids: obj.ids ?? null,
    sort: obj.sort ?? null,
  };
}

function listDocuments(ctx: DevnodeContext, uid: string, request: ListDocumentsRequest) {
  const index = ctx.state.require(uid);
  const { results, total } = engineCall(() => index.engine.listDocuments(request));
  const displayed = index.settings.displayedAttributes;
  const shown = displayed.includes('*')
    ? results
    : results.map((doc) => projectDocument(doc, null, displayed));
  return { results: shown, offset: request.offset, limit: request.limit, total };
}

/** Ids sent as JSON: strings stay, other values become their JSON text (Meilisearch does the same). */
function idText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function registerDocumentRoutes(app: FastifyInstance, ctx: DevnodeContext): void {
  app.post('/indexes/:indexUid/documents', writeDocuments(ctx, 'replace'));
  app.put('/indexes/:indexUid/documents', writeDocuments(ctx, 'update'));

  app.get('/indexes/:indexUid/documents', async (req) => {
    const uid = pathIndexUid(req);
    const q = new QueryFields(queryOf(req), [
      'offset',
      'limit',
      'fields',
      'retrieveVectors',
      'ids',
      'filter',
      'sort',
      'useNetwork',
    ]);
    q.bool('retrieveVectors', 'invalid_document_retrieve_vectors');
    q.bool('useNetwork', 'invalid_document_use_network');
    const sort = q.string('sort', 'invalid_document_sort');
    return listDocuments(
      ctx,
      uid,
      listRequest({
        offset: q.usize('offset', 'invalid_document_offset'),
        limit: q.usize('limit', 'invalid_document_limit'),
        fields: q.list('fields', 'invalid_document_fields'),
        ids: q.list('ids', 'invalid_document_ids'),
        filter: q.string('filter', 'invalid_document_filter'),
        sort: sort === undefined ? null : splitSortParam(sort),
      }),
    );
  });

  app.post('/indexes/:indexUid/documents/fetch', async (req) => {
    const uid = pathIndexUid(req);
    const obj = expectObject(jsonBody(req), [
      'offset',
      'limit',
      'fields',
      'retrieveVectors',
      'filter',
      'ids',
      'sort',
      'useNetwork',
    ]);
    const f = new JsonFields(obj);
    f.bool('retrieveVectors', 'invalid_document_retrieve_vectors');
    f.bool('useNetwork', 'invalid_document_use_network', true);
    let ids: string[] | null = null;
    if (obj.ids !== undefined && obj.ids !== null) {
      if (!Array.isArray(obj.ids)) throw typeError('invalid_document_ids', '.ids', ['array'], obj.ids);
      ids = obj.ids.map((id, i) => {
        if (typeof id !== 'string' && kindOf(id) !== 'integer' && kindOf(id) !== 'negativeInteger')
          throw typeError('invalid_document_ids', `.ids[${i}]`, ['string', 'integer', 'negativeInteger'], id);
        return idText(id);
      });
    }
    return listDocuments(
      ctx,
      uid,
      listRequest({
        offset: f.usize('offset', 'invalid_document_offset'),
        limit: f.usize('limit', 'invalid_document_limit'),
        fields: f.stringArray('fields', 'invalid_document_fields'),
        ids,
        filter: obj.filter,
        sort: f.stringArray('sort', 'invalid_document_sort'),
      }),
    );
  });

  app.get('/indexes/:indexUid/documents/:documentId', async (req) => {
    const uid = pathIndexUid(req);
    const { documentId } = req.params as { documentId: string };
    const q = new QueryFields(queryOf(req), ['fields', 'retrieveVectors', 'useNetwork']);
    const fields = q.list('fields', 'invalid_document_fields') ?? null;
    q.bool('retrieveVectors', 'invalid_document_retrieve_vectors');
    q.bool('useNetwork', 'invalid_document_use_network');
    const index = ctx.state.require(uid);
    const doc = index.engine.getDocument(documentId);
    if (!doc) throw miroirError('document_not_found', `Document \`${documentId}\` not found.`);
    return projectDocument(doc, fields, index.settings.displayedAttributes);
  });

  app.delete('/indexes/:indexUid/documents/:documentId', async (req, reply) => {
    const uid = pathIndexUid(req);
    const { documentId } = req.params as { documentId: string };
    const details = { providedIds: 1, deletedDocuments: null, originalFilter: null };
    return reply
      .code(202)
      .send(
        ctx.queue.enqueue('documentDeletion', uid, details, { kind: 'deleteDocuments', ids: [documentId] }),
      );
  });

  app.post('/indexes/:indexUid/documents/delete-batch', async (req, reply) => {
    const uid = pathIndexUid(req);
    const body = jsonBody(req);
    if (!Array.isArray(body)) throw typeError('bad_request', '', ['array'], body);
    const ids = body.map(idText);
    const details = { providedIds: ids.length, deletedDocuments: null, originalFilter: null };
    return reply
      .code(202)
      .send(ctx.queue.enqueue('documentDeletion', uid, details, { kind: 'deleteDocuments', ids }));
  });

  app.post('/indexes/:indexUid/documents/delete', async (req, reply) => {
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
    // Parsed now so syntax errors answer 400; attribute checks need the index and run in the task.
    parseFilterValue(filter, 'invalid_document_filter');
    const details = { providedIds: 0, deletedDocuments: null, originalFilter: JSON.stringify(filter) };
    return reply.code(202).send(
      ctx.queue.enqueue('documentDeletion', uid, details, {
        kind: 'deleteByFilter',
        filter: filter as string,
      }),
    );
  });

  app.delete('/indexes/:indexUid/documents', async (req, reply) => {
    const uid = pathIndexUid(req);
    return reply
      .code(202)
      .send(
        ctx.queue.enqueue('documentDeletion', uid, { deletedDocuments: null }, { kind: 'clearDocuments' }),
      );
  });
}
