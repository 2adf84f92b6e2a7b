// Request bodies sent with `Content-Encoding: gzip`, `deflate` (zlib-wrapped) or `br` are decoded
// while they stream in, as actix-web's payload decoder does for Meilisearch. The body limit counts
// decoded bytes and decoding stops at the limit, so a small compressed body cannot expand into
// memory or keep a CPU busy. Any other encoding passes through untouched, as in actix.
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { errorCodes, type FastifyInstance } from 'fastify';
import { miroirError } from '#core/errors.ts';

// A Map, not an object: the header's value must never reach a prototype key.
const DECODERS: ReadonlyMap<string, () => Transform> = new Map([
  ['gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/** Meilisearch's answer to a body its decoder cannot read (document routes' wording). */
export const CORRUPT_BODY_MESSAGE = 'The provided payload is incomplete and cannot be parsed';

/** A decoded body as fastify's body reader expects it: it checks Content-Length against the encoded count. */
export type DecodedBody = Transform & { receivedEncodedLength: number };

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * `source` decoded by `decoder`, failing with fastify's body-too-large error once more than
 * `limit` decoded bytes came out, or with `bad_request` when the bytes do not decode.
 */
export function decodeBody(source: Readable, decoder: Transform, limit: number): DecodedBody {
  let decoded = 0;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      decoded += chunk.length;
      if (decoded > limit) callback(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      else callback(null, chunk);
    },
  }) as DecodedBody;
  body.receivedEncodedLength = 0;
  const countEncoded = (chunk: Buffer): void => {
    body.receivedEncodedLength += chunk.length;
  };
  // Whatever ends the body early stops decoding; the rest of the upload is left to node's
  // request draining, never inflated.
  const stop = (): void => {
    source.unpipe(decoder);
    source.off('data', countEncoded);
    decoder.destroy();
  };
  decoder.on('error', () => {
    stop();
    body.destroy(miroirError('bad_request', CORRUPT_BODY_MESSAGE));
  });
  body.on('error', stop);
  body.on('close', stop);
  source.on('error', (err) => body.destroy(err));
  source.pipe(decoder).pipe(body);
  source.on('data', countEncoded);
  return body;
}

export function installRequestDecompression(app: FastifyInstance): void {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || !hasBody(request.headers)) {
      done(null, payload);
      return;
    }
    const decoder = DECODERS.get(encoding.trim().toLowerCase());
    if (decoder === undefined) done(null, payload);
    else done(null, decodeBody(payload, decoder(), request.routeOptions.bodyLimit));
  });
}
