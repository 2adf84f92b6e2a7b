// Primary key choice and document id extraction at task time, as Meilisearch does them: the
// index's key, else the request's, else a guess from the payload's first document; every
// document's id is then checked, and one bad id fails the whole task.
import { miroirError } from '#core/errors.ts';
import { inferPrimaryKey } from '#core/documents/primary-key.ts';
import { validateDocumentId } from '#core/documents/document-id.ts';
import type { Document } from '#devnode/engine/types.ts';

/** Resolves the key for an addition, or null when there is nothing to index and no key yet. */
export function choosePrimaryKey(existing: string | null, requested: string | null, documents: Document[]): string | null {
  if (existing !== null) {
    if (requested !== null && requested !== existing) throw miroirError('index_primary_key_already_exists', `Index already has a primary key: \`${existing}\`.`);
    return existing;
  }
  if (requested !== null) return requested;
  const first = documents[0];
  if (first === undefined) return null;
  return inferPrimaryKey(first);
}

/** Values at a dotted path: `a.b` reads `{a: {b}}`, `{"a.b"}` or arrays of objects along the way. */
function valuesAt(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (value === null || typeof value !== 'object') return [];
  const obj = value as Record<string, unknown>;
  const out: unknown[] = [];
  for (let i = 1; i <= path.length; i++) {
    const key = path.slice(0, i).join('.');
    if (key in obj) out.push(...valuesAt(obj[key], path.slice(i)));
  }
  return out;
}

export function documentId(doc: Document, primaryKey: string): string {
  const direct = doc[primaryKey];
  const found = direct !== undefined ? [direct] : primaryKey.includes('.') ? valuesAt(doc, primaryKey.split('.')) : [];
  if (found.length === 0) {
    throw miroirError('missing_document_id', `Document doesn't have a \`${primaryKey}\` attribute: \`${JSON.stringify(doc)}\`.`);
  }
  if (found.length > 1) {
    throw miroirError('invalid_document_id', `Document have too many matching \`${primaryKey}\` attribute: \`${JSON.stringify(doc)}\`.`);
  }
  return validateDocumentId(found[0]);
}
