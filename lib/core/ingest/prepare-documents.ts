// Turns parsed client documents into what the log planner takes: per document its id (the
// primary key value as text), its JSON bytes and its shard. Every document is checked before
// anything is appended: reserved fields, then its id, in payload order (the first bad one fails
// the whole request, as one bad document fails a whole Meilisearch task).
import type { Document } from '../documents/payload.ts';
import { documentIdOf } from '../documents/document-id.ts';
import type { DocumentInput } from '../log/plan-write.ts';
import { routeBatch } from '../routing/route-batch.ts';
import { assertNoReservedFields } from './reserved-fields.ts';

export interface PreparedDocuments {
  readonly documents: DocumentInput[];
  readonly shards: Uint16Array;
}

/**
 * `bodies[i]`, when given, is the client's own JSON of `documents[i]` (see `json-spans.ts`: text, or
 * bytes viewing the request body) and becomes its body untouched; otherwise (CSV) the body is the
 * document serialized as JSON.
 */
export function prepareDocuments(
  documents: readonly Document[],
  primaryKey: string,
  shardCount: number,
  bodies?: readonly (string | Buffer)[],
): PreparedDocuments {
  const ids = new Array<string>(documents.length);
  for (let i = 0; i < documents.length; i += 1) {
    const document = documents[i] as Document;
    assertNoReservedFields(document);
    ids[i] = documentIdOf(document, primaryKey);
  }
  // Bodies are built only once every document passed: a rejected payload costs no serialization.
  const own = bodies !== undefined && bodies.length === documents.length ? bodies : undefined;
  const prepared = new Array<DocumentInput>(documents.length);
  for (let i = 0; i < documents.length; i += 1) {
    const body = own?.[i] ?? JSON.stringify(documents[i]);
    prepared[i] = { id: ids[i] as string, body: typeof body === 'string' ? Buffer.from(body) : body };
  }
  return { documents: prepared, shards: shardsOfIds(ids, shardCount) };
}

/** Shards of ids (the batch routing kernel); delete ids are used as given, Meilisearch does not validate them. */
export function shardsOfIds(ids: readonly string[], shardCount: number): Uint16Array {
  return routeBatch(ids, { shards: shardCount });
}
