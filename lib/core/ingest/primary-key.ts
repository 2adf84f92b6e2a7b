// Which primary key a document write uses, with Meilisearch's rules: the index's key wins and a
// different `primaryKey` parameter is an error; else the parameter; else inference from the
// first document. An empty payload on an index without a key sets none.
import { inferPrimaryKey } from '../documents/primary-key.ts';
import { miroirError } from '../errors.ts';

export interface PrimaryKeyChoice {
  /** The key the documents are validated against; null only for an empty payload on a keyless index. */
  readonly primaryKey: string | null;
  /** True when the index has no key yet and this write sets it (a `PrimaryKeySet` is appended first). */
  readonly setsIndexKey: boolean;
}

export function choosePrimaryKey(
  indexPrimaryKey: string | null,
  requested: string | undefined,
  firstDocument: Readonly<Record<string, unknown>> | undefined,
): PrimaryKeyChoice {
  if (indexPrimaryKey !== null) {
    if (requested !== undefined && requested !== indexPrimaryKey) {
      throw miroirError(
        'index_primary_key_already_exists',
        `Index already has a primary key: \`${indexPrimaryKey}\`.`,
      );
    }
    return { primaryKey: indexPrimaryKey, setsIndexKey: false };
  }
  if (requested !== undefined) return { primaryKey: requested, setsIndexKey: true };
  if (firstDocument === undefined) return { primaryKey: null, setsIndexKey: false };
  return { primaryKey: inferPrimaryKey(firstDocument), setsIndexKey: true };
}
