// Meilisearch answers every route with JSON, bare strings and `null` included
// (`GET .../settings/proximity-precision` is `"byWord"`). fastify sends a returned string as
// `text/plain`, so a handler whose value may be a bare string sends it through here.
import type { FastifyReply } from 'fastify';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Sends `value` as a JSON document, whatever its type. */
export function sendJson(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type(JSON_CONTENT_TYPE).send(JSON.stringify(value ?? null));
}
