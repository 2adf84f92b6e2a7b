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
 * `texts[i]`, when given, is the client's own JSON text of `documents[i]` (see `json-spans.ts`) and
 * becomes its body untouched; otherwise (CSV) the body is the document serialized as JSON.
 */
export function prepareDocuments(
  documents: readonly Document[],
  primaryKey: string,
  shardCount: number,
  texts?: readonly string[],
): PreparedDocuments {
  const ids = documents.map((document) => {
    assertNoReservedFields(document);
    return documentIdOf(document, primaryKey);
  });
  // Bodies are built only once every document passed: a rejected payload costs no serialization.
  const own = texts !== undefined && texts.length === documents.length ? texts : undefined;
  const prepared = documents.map((document, i): DocumentInput => ({
    id: ids[i] as string,
    body: Buffer.from(own?.[i] ?? JSON.stringify(document)),
  }));
  return { documents: prepared, shards: shardsOfIds(ids, shardCount) };
}

/** Shards of ids (the batch routing kernel); delete ids are used as given, Meilisearch does not validate them. */
export function shardsOfIds(ids: readonly string[], shardCount: number): Uint16Array {
  return routeBatch(ids, { shards: shardCount });
}
