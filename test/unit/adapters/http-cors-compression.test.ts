// CORS, request body decoding and answer compression of the shared app, driven with app.inject():
// the headers and errors Meilisearch 1.50 (actix-cors, actix-web's decoder and Compress) gives.
import { PassThrough, Readable } from 'node:stream';
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  createGunzip,
  deflateRawSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateSync,
} from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CORRUPT_BODY_MESSAGE, decodeBody } from '#adapters/http-body-decoding.ts';
import { COMPRESSION_THRESHOLD_BYTES } from '#adapters/http-compression.ts';
import { CORS_VARY } from '#adapters/http-cors.ts';
import { createHttpApp } from '#adapters/http-server.ts';
import { createLogger } from '#adapters/logger.ts';
import { miroirError } from '#core/errors.ts';
import { captureLogs } from './log-capture.ts';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An answer well over the compression threshold. */
const BIG = { hits: Array.from({ length: 100 }, (_, i) => ({ id: i, title: `Movie number ${i}` })) };

function build(bodyLimit = 1000): FastifyInstance {
  const logger = createLogger({ service: 'test', level: 'silent', destination: captureLogs().stream });
  const built = createHttpApp({ logger, bodyLimit });
  built.post('/echo', async (request) => ({ body: request.body ?? null }));
  built.get('/big', async () => BIG);
  built.get('/small', async () => ({ status: 'available' }));
  built.get('/stream', async (_request, reply) =>
    reply.type('application/json').send(Readable.from([Buffer.from(JSON.stringify(BIG))])),
  );
  built.get('/indexes/:uid', async (request) => {
    const { uid } = request.params as { uid: string };
    throw miroirError('index_not_found', `Index \`${uid}\` not found.`);
  });
  // Ingest's document routes read raw bytes through a catch-all parser in their own scope.
  void built.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/raw', async (request) => ({ text: (request.body as Buffer).toString('utf8') }));
  });
  app = built;
  return built;
}

const origin = { origin: 'https://dashboard.example' };
const preflightHeaders = {
  ...origin,
  'access-control-request-method': 'POST',
  'access-control-request-headers': 'authorization, content-type, x-meilisearch-client',
};
const ALL_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, CONNECT, TRACE';

describe('CORS', () => {
  it('answers a preflight on a route with 200, an empty body and actix-cors headers', async () => {
    const res = await build().inject({
      method: 'OPTIONS',
      url: '/indexes/movies/search',
      headers: preflightHeaders,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers).toMatchObject({
      vary: CORS_VARY,
      'access-control-allow-origin': '*',
      'access-control-max-age': '86400',
      'access-control-allow-methods': ALL_METHODS,
      'access-control-allow-headers': 'authorization, content-type, x-meilisearch-client',
    });
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
  });

  it('answers a preflight without Origin or requested headers, on an unknown path too', async () => {
    const res = await build().inject({
      method: 'OPTIONS',
      url: '/nowhere',
      headers: { 'access-control-request-method': 'DELETE' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe(ALL_METHODS);
    expect(res.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('refuses a preflight for a non-standard method as actix-cors does', async () => {
    const res = await build().inject({
      method: 'OPTIONS',
      url: '/health',
      headers: { ...origin, 'access-control-request-method': 'FOO' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('Requested method is not allowed');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets an OPTIONS that is not a preflight through to the routes', async () => {
    const res = await build().inject({ method: 'OPTIONS', url: '/health', headers: origin });
    expect(res.statusCode).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('puts the wildcard origin on answers to requests with Origin: success, error and unknown route', async () => {
    const a = build();
    const ok = await a.inject({ method: 'GET', url: '/health', headers: origin });
    const error = await a.inject({ method: 'GET', url: '/indexes/nope', headers: origin });
    const missing = await a.inject({ method: 'GET', url: '/nowhere', headers: origin });
    const badBody = await a.inject({
      method: 'POST',
      url: '/echo',
      headers: { ...origin, 'content-type': 'application/json' },
      payload: '{',
    });
    expect([ok.statusCode, error.statusCode, missing.statusCode, badBody.statusCode]).toEqual([
      200, 404, 404, 400,
    ]);
    for (const res of [ok, error, missing, badBody]) {
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers.vary).toBe(CORS_VARY);
    }
    expect(error.json()).toMatchObject({ code: 'index_not_found' });
  });

  it('sends Vary but no allow-origin when the request has no Origin', async () => {
    const res = await build().inject({ method: 'GET', url: '/health' });
    expect(res.headers.vary).toBe(CORS_VARY);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

const SEARCH = JSON.stringify({ q: 'movie', limit: 1 });
const json = { 'content-type': 'application/json' };

describe('request body decoding', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('decodes a %s JSON body', async (encoding, encode) => {
    const res = await build().inject({
      method: 'POST',
      url: '/echo',
      headers: { ...json, 'content-encoding': encoding },
      payload: encode(Buffer.from(SEARCH)),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ body: { q: 'movie', limit: 1 } });
  });

  it('decodes raw-byte (document) bodies and reads the encoding name case-insensitively', async () => {
    const ndjson = '{"id":1}\n{"id":2}\n';
    const res = await build().inject({
      method: 'POST',
      url: '/raw',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'GZIP' },
      payload: gzipSync(Buffer.from(ndjson)),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ text: ndjson });
  });

  it('passes a body with an encoding it does not know through untouched, as actix does', async () => {
    const a = build();
    for (const encoding of ['identity', 'zstd', 'x-gzip', 'gzip, br']) {
      const res = await a.inject({
        method: 'POST',
        url: '/echo',
        headers: { ...json, 'content-encoding': encoding },
        payload: SEARCH,
      });
      expect(res.statusCode, encoding).toBe(200);
      expect(res.json()).toEqual({ body: { q: 'movie', limit: 1 } });
    }
  });

  it.each([
    ['gzip', 'not gzip at all'],
    ['gzip', gzipSync(Buffer.from(SEARCH)).subarray(0, 20)],
    ['deflate', deflateRawSync(Buffer.from(SEARCH))],
    ['br', 'not brotli at all'],
  ])('refuses an undecodable %s body with bad_request', async (encoding, payload) => {
    const res = await build().inject({
      method: 'POST',
      url: '/echo',
      headers: { ...json, 'content-encoding': encoding },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      message: CORRUPT_BODY_MESSAGE,
      code: 'bad_request',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#bad_request',
    });
  });

  it('applies the body limit to the decoded size', async () => {
    const bomb = gzipSync(Buffer.from(JSON.stringify({ q: ' '.repeat(500_000) })));
    expect(bomb.length).toBeLessThan(1000);
    const res = await build(1000).inject({
      method: 'POST',
      url: '/raw',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: bomb,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({
      code: 'payload_too_large',
      message: 'The provided payload reached the size limit. The maximum accepted payload size is 1 KB.',
    });
  });

  it('stops decoding once the limit is passed', async () => {
    const source = new PassThrough();
    const decoder = createGunzip();
    const body = decodeBody(source, decoder, 1000);
    const failed = new Promise<Error>((resolve) => body.once('error', resolve));
    body.resume();
    source.end(gzipSync(Buffer.alloc(10_000_000)));
    expect(((await failed) as { code?: string }).code).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
    expect(decoder.destroyed).toBe(true);
    expect(body.receivedEncodedLength).toBeGreaterThan(0);
  });
});

describe('answer compression', () => {
  const decoders = { br: brotliDecompressSync, gzip: gunzipSync, deflate: inflateSync };

  it.each(['br', 'gzip', 'deflate'] as const)(
    'compresses a large answer for Accept-Encoding: %s',
    async (encoding) => {
      const res = await build().inject({
        method: 'GET',
        url: '/big',
        headers: { 'accept-encoding': encoding, ...origin },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(res.headers.vary).toBe(`${CORS_VARY}, accept-encoding`);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
      expect(JSON.parse(decoders[encoding](res.rawPayload).toString('utf8'))).toEqual(BIG);
    },
  );

  it('picks by weight, then br over gzip over deflate', async () => {
    const a = build();
    const pick = async (accept: string) =>
      (await a.inject({ method: 'GET', url: '/big', headers: { 'accept-encoding': accept } })).headers[
        'content-encoding'
      ];
    expect(await pick('gzip, deflate, br, zstd')).toBe('br');
    expect(await pick('gzip;q=1.0, br;q=0.5')).toBe('gzip');
    expect(await pick('GZIP')).toBe('gzip');
    expect(await pick('br;q=0, deflate')).toBe('deflate');
    expect(await pick('zstd')).toBeUndefined();
    expect(await pick('identity')).toBeUndefined();
  });

  it('sends answers as they are without Accept-Encoding', async () => {
    const res = await build().inject({ method: 'GET', url: '/big' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBe(CORS_VARY);
    expect(res.json()).toEqual(BIG);
  });

  it(`sends answers under ${COMPRESSION_THRESHOLD_BYTES} bytes, and empty ones, uncompressed`, async () => {
    const a = build();
    const small = await a.inject({ method: 'GET', url: '/small', headers: { 'accept-encoding': 'br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.json()).toEqual({ status: 'available' });
    const empty = await a.inject({ method: 'GET', url: '/nowhere', headers: { 'accept-encoding': 'gzip' } });
    expect(empty.statusCode).toBe(404);
    expect(empty.headers['content-encoding']).toBeUndefined();
  });

  it('compresses streamed answers, and leaves HEAD answers alone', async () => {
    const a = build();
    const streamed = await a.inject({
      method: 'GET',
      url: '/stream',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(streamed.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(streamed.rawPayload).toString('utf8'))).toEqual(BIG);
    const head = await a.inject({ method: 'HEAD', url: '/big', headers: { 'accept-encoding': 'gzip' } });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-encoding']).toBeUndefined();
  });

  it('uses speed-first levels (brotli quality 3), as actix-http does', async () => {
    const res = await build().inject({ method: 'GET', url: '/big', headers: { 'accept-encoding': 'br' } });
    const plain = Buffer.from(JSON.stringify(BIG));
    const expected = brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 3 } });
    expect(res.rawPayload).toEqual(expected);
  });
});
