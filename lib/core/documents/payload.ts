// Entry point for document payloads (add/replace and update routes): picks the format from the
// Content-Type, applies Meilisearch's checks in its order and returns plain document objects.
import { miroirError } from '#core/errors.ts';
import { parseCsvDocuments } from './csv-payload.ts';
import { parseJsonDocuments, parseNdjsonDocuments, type Document } from './json-payload.ts';

export type { Document } from './json-payload.ts';

export type PayloadFormat = 'json' | 'ndjson' | 'csv';

export interface PayloadOptions {
  /** The `csvDelimiter` query parameter: one ASCII character, only for `text/csv`. */
  csvDelimiter?: string;
}

const ACCEPTED = '`application/json`, `application/x-ndjson`, `text/csv`';

const FORMATS: Record<string, PayloadFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'text/csv': 'csv',
};

/** The payload format of a Content-Type header value; parameters such as `charset` are ignored. */
export function payloadFormat(contentType: string): PayloadFormat {
  if (contentType.trim() === '') {
    throw miroirError(
      'missing_content_type',
      `A Content-Type header is missing. Accepted values for the Content-Type header are: ${ACCEPTED}`,
    );
  }
  const essence = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  const format = FORMATS[essence];
  if (!format) {
    throw miroirError(
      'invalid_content_type',
      `The Content-Type \`${contentType}\` is invalid. Accepted values for the Content-Type header are: ${ACCEPTED}`,
    );
  }
  return format;
}

function checkDelimiter(delimiter: string): string {
  const chars = [...delimiter];
  if (chars.length !== 1) {
    throw miroirError(
      'invalid_document_csv_delimiter',
      `Invalid value in parameter \`csvDelimiter\`: expected a string of one character, but found the following string of ${chars.length} characters: \`${delimiter}\``,
    );
  }
  if ((delimiter.codePointAt(0) ?? 0) > 0x7f) {
    throw miroirError(
      'invalid_document_csv_delimiter',
      `Invalid value in parameter \`csvDelimiter\`: csv delimiter must be an ascii character. Found: \`${delimiter}\``,
    );
  }
  return delimiter;
}

export function parseDocumentsPayload(
  body: string,
  contentType: string,
  opts: PayloadOptions = {},
): Document[] {
  const delimiter = opts.csvDelimiter === undefined ? undefined : checkDelimiter(opts.csvDelimiter);
  const format = payloadFormat(contentType);
  if (delimiter !== undefined && format !== 'csv') {
    throw miroirError(
      'invalid_content_type',
      `The Content-Type \`${contentType}\` does not support the use of a csv delimiter. The csv delimiter can only be used with the Content-Type \`text/csv\`.`,
    );
  }
  if (body.length === 0) throw miroirError('missing_payload', `A ${format} payload is missing.`);
  if (format === 'json') return parseJsonDocuments(body);
  if (format === 'ndjson') return parseNdjsonDocuments(body);
  return parseCsvDocuments(body, delimiter ?? ',');
}
