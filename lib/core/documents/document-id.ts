// Document id rules shared by devnode and Miroir's ingest: an id is an integer or a string of
// ASCII letters, digits, `-` and `_` of at most 511 bytes, and is handled as its decimal text.
import { miroirError } from '#core/errors.ts';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,511}$/;

export interface DocumentIdContext {
  primaryKey: string;
  document: Record<string, unknown>;
}

/** serde_json's compact text of a value, as Meilisearch quotes ids and documents in messages. */
function json(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function invalid(value: unknown): never {
  throw miroirError(
    'invalid_document_id',
    `Document identifier \`${json(value)}\` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.`,
  );
}

/**
 * Validates an id value and returns it as the string Meilisearch stores (`1` and `"1"` are the same
 * document). `undefined` means the field is absent: `missing_document_id`, naming the document when
 * the context is given. JSON numbers arrive as JS numbers, so only safe integers are exact here.
 */
export function validateDocumentId(value: unknown, context?: DocumentIdContext): string {
  if (value === undefined) {
    const key = context?.primaryKey ?? 'id';
    const doc = context ? `: \`${json(context.document)}\`` : '';
    throw miroirError('missing_document_id', `Document doesn't have a \`${key}\` attribute${doc}.`);
  }
  if (typeof value === 'string') {
    if (!ID_PATTERN.test(value)) invalid(value);
    return value;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return invalid(value);
}

/** Reads the id at `primaryKey` (a `.`-separated path for nested keys) and validates it. */
export function documentIdOf(document: Record<string, unknown>, primaryKey: string): string {
  // A key without `.` can only match a top-level field (the walk below would find just that one):
  // the common case, read directly because ingest validates every document of every write.
  if (!primaryKey.includes('.')) {
    const value = Object.hasOwn(document, primaryKey) ? document[primaryKey] : undefined;
    return validateDocumentId(value, { primaryKey, document });
  }
  const found: unknown[] = [];
  const visit = (node: unknown, rest: string): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === rest) found.push(value);
      else if (rest.startsWith(`${key}.`)) visit(value, rest.slice(key.length + 1));
    }
  };
  visit(document, primaryKey);
  if (found.length > 1) {
    throw miroirError(
      'invalid_document_id',
      `Document have too many matching \`${primaryKey}\` attribute: \`${json(document)}\`.`,
    );
  }
  return validateDocumentId(found[0], { primaryKey, document });
}
