// Primary key choice and document id extraction at task time, as Meilisearch does them: the
// index's key, else the request's, else a guess from the payload's first document; every
// document's id is then checked, and one bad id fails the whole task.
import { miroirError } from '#core/errors.ts';
import { inferPrimaryKey } from '#core/documents/primary-key.ts';
import { documentIdOf } from '#core/documents/document-id.ts';
import type { Document } from '#devnode/engine/types.ts';

/** Resolves the key for an addition, or null when there is nothing to index and no key yet. */
export function choosePrimaryKey(
  existing: string | null,
  requested: string | null,
  documents: Document[],
): string | null {
  if (existing !== null) {
    if (requested !== null && requested !== existing)
      throw miroirError(
        'index_primary_key_already_exists',
        `Index already has a primary key: \`${existing}\`.`,
      );
    return existing;
  }
  if (requested !== null) return requested;
  const first = documents[0];
  if (first === undefined) return null;
  return inferPrimaryKey(first);
}

/** The validated id of a document (nested keys as dotted paths), shared with Miroir's ingest. */
export const documentId = (doc: Document, primaryKey: string): string => documentIdOf(doc, primaryKey);
