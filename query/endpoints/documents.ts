// `GET /indexes/{uid}/documents/{id}` (the owning shard only) and `POST .../documents/fetch` and
// `GET .../documents` (the shards a filter or id list can reach), merged in Meilisearch's order.
import { type Json } from '#adapters/node-client.ts';
import { miroirError } from '#core/errors.ts';
import {
  mergeDocumentLists,
  planShardDocumentsRequest,
  type DocumentsRequest,
  type DocumentsResponseBody,
} from '#core/merge/index.ts';
import { shardOf } from '#core/routing/index.ts';
import { atLeastOneShard, shardsForDocuments } from '../plan.ts';
import { resolveIndex } from '../view.ts';
import {
  expectObject,
  stripReserved,
  type QueryResult,
  type ReadContext,
  type ReadOptions,
} from '../read-context.ts';

export function documentEndpoints(ctx: ReadContext) {
  const { currentView, scatter, confined, answersOf, single } = ctx;
  async function getDocument(
    uid: string,
    id: string,
    query: { fields?: string[]; retrieveVectors?: boolean },
    opts: ReadOptions = {},
  ): Promise<QueryResult<Json>> {
    const resolved = resolveIndex(currentView(), uid);
    const shard = shardOf(id, resolved.table.shards);
    const nodeUid = resolved.index.nodeIndexUid;
    const result = await scatter(
      'document',
      resolved,
      [shard],
      { ...opts, strict: true },
      (_target, client) =>
        client.getDocument(nodeUid, id, query.fields === undefined ? undefined : { fields: query.fields }),
    );
    const answer = result.answers[0];
    if (answer === undefined) {
      if (result.uncovered.length === 0)
        throw miroirError('document_not_found', `Document \`${id}\` not found.`);
      throw miroirError(
        'miroir_shard_unavailable',
        `Shard ${shard} of index \`${uid}\` has no available replica.`,
      );
    }
    return single(
      uid,
      { body: stripReserved(answer.body), uncovered: [], waitTimedOut: result.waitTimedOut },
      opts,
    );
  }

  async function fetchDocuments(
    uid: string,
    body: unknown,
    opts: ReadOptions = {},
  ): Promise<QueryResult<DocumentsResponseBody>> {
    const resolved = resolveIndex(currentView(), uid);
    const request = expectObject(body) as DocumentsRequest;
    const planned = planShardDocumentsRequest(request);
    const ids = Array.isArray(request.ids) ? (request.ids as (string | number)[]) : null;
    const shards = atLeastOneShard(
      shardsForDocuments(resolved.table, resolved.index.primaryKey, ids, request.filter),
    );
    const nodeUid = resolved.index.nodeIndexUid;
    const result = await scatter(
      'documents',
      resolved,
      shards,
      opts,
      (target, client) =>
        client.fetchDocuments(
          nodeUid,
          confined(resolved, target, planned as Json, 'invalid_document_filter'),
        ) as Promise<DocumentsResponseBody>,
    );
    return single(
      uid,
      {
        body: mergeDocumentLists(request, answersOf(result)),
        uncovered: result.uncovered,
        waitTimedOut: result.waitTimedOut,
      },
      opts,
    );
  }

  return { getDocument, fetchDocuments };
}
