// Answers compressed as the client's Accept-Encoding asks (br, then gzip, then deflate on equal
// weight), at the speed-first levels of Meilisearch's actix Compress middleware. Unlike
// Meilisearch, an answer below a threshold goes out as it is: a few hundred bytes gain nothing.
import { Readable, pipeline, type Transform } from 'node:stream';
import {
  brotliCompress,
  brotliCompressSync,
  constants,
  createBrotliCompress,
  createDeflate,
  createGzip,
  deflate,
  deflateSync,
  gzip,
  gzipSync,
  type BrotliOptions,
  type ZlibOptions,
} from 'node:zlib';
import negotiate from '@fastify/accept-negotiator';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Answers shorter than this many bytes are sent uncompressed. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;
/** Larger buffered answers are compressed on libuv's thread pool instead of the event loop. */
const SYNC_LIMIT_BYTES = 64 * 1024;

type Encoding = 'br' | 'gzip' | 'deflate';
const ENCODINGS: Encoding[] = ['br', 'gzip', 'deflate'];

// actix-http: flate2 `Compression::fast()`; brotli quality 3, window 2^22.
const ZLIB: ZlibOptions = { level: 1 };
const BROTLI: BrotliOptions = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 3, [constants.BROTLI_PARAM_LGWIN]: 22 },
};

type Done = (err: Error | null, out: Buffer) => void;
interface Codec {
  sync(input: Buffer): Buffer;
  async(input: Buffer, done: Done): void;
  stream(): Transform;
}
const CODECS: Record<Encoding, Codec> = {
  br: {
    sync: (input) => brotliCompressSync(input, BROTLI),
    async: (input, done) => brotliCompress(input, BROTLI, done),
    stream: () => createBrotliCompress(BROTLI),
  },
  gzip: {
    sync: (input) => gzipSync(input, ZLIB),
    async: (input, done) => gzip(input, ZLIB, done),
    stream: () => createGzip(ZLIB),
  },
  deflate: {
    sync: (input) => deflateSync(input, ZLIB),
    async: (input, done) => deflate(input, ZLIB, done),
    stream: () => createDeflate(ZLIB),
  },
};

export interface ResponseCompressionOptions {
  /** Default {@link COMPRESSION_THRESHOLD_BYTES}. */
  thresholdBytes?: number;
}

function markEncoded(reply: FastifyReply, encoding: Encoding): void {
  reply.header('content-encoding', encoding);
  reply.removeHeader('content-length');
  const vary = reply.getHeader('vary');
  if (vary === undefined) reply.header('vary', 'accept-encoding');
  else if (!/\baccept-encoding\b/i.test(String(vary)))
    reply.header('vary', `${String(vary)}, accept-encoding`);
}

/** Install after every other onSend hook that may change the payload: this one must see the final bytes. */
export function installResponseCompression(
  app: FastifyInstance,
  opts: ResponseCompressionOptions = {},
): void {
  const threshold = Math.max(1, opts.thresholdBytes ?? COMPRESSION_THRESHOLD_BYTES);
  app.addHook('onSend', (request, reply, payload, done) => {
    const accept = request.headers['accept-encoding'];
    // As actix: no body, 204, or an answer already encoded is left alone. HEAD answers carry no body.
    if (
      accept === undefined ||
      payload === null ||
      payload === undefined ||
      request.method === 'HEAD' ||
      reply.statusCode === 204 ||
      reply.statusCode === 304 ||
      reply.hasHeader('content-encoding')
    ) {
      done(null, payload);
      return;
    }
    const encoding = negotiate(accept.toLowerCase(), ENCODINGS);
    if (encoding === null) {
      done(null, payload);
      return;
    }
    const codec = CODECS[encoding];
    if (payload instanceof Readable) {
      markEncoded(reply, encoding);
      // A source error destroys the compressor, which fastify reports as the answer's failure.
      done(
        null,
        pipeline(payload, codec.stream(), () => undefined),
      );
      return;
    }
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
      done(null, payload);
      return;
    }
    const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (size < threshold) {
      done(null, payload);
      return;
    }
    const input = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (size <= SYNC_LIMIT_BYTES) {
      markEncoded(reply, encoding);
      done(null, codec.sync(input));
      return;
    }
    codec.async(input, (err, out) => {
      if (err) {
        done(err);
        return;
      }
      markEncoded(reply, encoding);
      done(null, out);
    });
  });
}
