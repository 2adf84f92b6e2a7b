// Reading a Meilisearch request the way its extractors do: a JSON body (content type first, then
// presence, then syntax), the `{indexUid}` path segment checked against the uid rule, the query
// string. Shared by devnode's routes and the roles' Meilisearch-compatible routes.
import type { FastifyRequest } from 'fastify';
import { miroirError } from '#core/errors.ts';
import type { QueryParams } from '#core/meili/deserr.ts';
import { validateIndexUid } from '#core/meili/index-uid.ts';

export const JSON_ONLY = '`application/json`';

function isJsonType(contentType: string): boolean {
  const mime = contentType.split(';')[0]!.trim().toLowerCase();
  const [type, subtype] = mime.split('/');
  return type !== undefined && subtype !== undefined && (subtype === 'json' || subtype.endsWith('+json'));
}

/** The JSON body of a non-document route: content type first, then presence, then syntax. */
export function jsonBody(req: FastifyRequest): unknown {
  const contentType = req.headers['content-type'];
  const raw = req.body as Buffer | undefined;
  if (contentType === undefined) {
    if (raw === undefined || raw.length === 0)
      throw miroirError('missing_payload', 'A json payload is missing.');
    throw miroirError(
      'missing_content_type',
      `A Content-Type header is missing. Accepted values for the Content-Type header are: ${JSON_ONLY}`,
    );
  }
  if (!isJsonType(contentType)) {
    throw miroirError(
      'invalid_content_type',
      `The Content-Type \`${contentType}\` is invalid. Accepted values for the Content-Type header are: ${JSON_ONLY}`,
    );
  }
  if (raw === undefined || raw.length === 0)
    throw miroirError('missing_payload', 'A json payload is missing.');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    throw miroirError(
      'malformed_payload',
      `The json payload provided is malformed. \`${(err as Error).message}\`.`,
    );
  }
}

/** The `{indexUid}` path segment, checked against the index uid rule. */
export function pathIndexUid(req: FastifyRequest): string {
  return validateIndexUid((req.params as { indexUid: string }).indexUid);
}

export function queryOf(req: FastifyRequest): QueryParams {
  return req.query as QueryParams;
}
