// The shared fastify app, driven with app.inject(): /health, /metrics, request ids, and every
// failure mapped to Meilisearch's error body and status.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp, formatByteSize } from '#adapters/http-server.ts';
import { createLogger } from '#adapters/logger.ts';
import { createMetrics, type Metrics } from '#adapters/metrics.ts';
import { miroirError } from '#core/errors.ts';
import { captureLogs, type LogCapture } from './log-capture.ts';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function build(opts: { bodyLimit?: number; metrics?: Metrics; logs?: LogCapture } = {}): FastifyInstance {
  const logs = opts.logs ?? captureLogs();
  const logger = createLogger({ service: 'test', level: 'debug', destination: logs.stream });
  const built = createHttpApp({
    logger,
    metrics: opts.metrics ?? createMetrics({ prefix: 'miroir_', defaultMetrics: false }),
    bodyLimit: opts.bodyLimit ?? 1000,
  });
  built.post('/echo', async (request) => ({ body: request.body ?? null }));
  built.post(
    '/documents',
    { config: { acceptedContentTypes: ['application/json', 'application/x-ndjson', 'text/csv'] } },
    async () => ({ ok: true }),
  );
  built.get('/indexes/:uid', async (request) => {
    const { uid } = request.params as { uid: string };
    throw miroirError('index_not_found', `Index \`${uid}\` not found.`);
  });
  built.get('/shards', async () => {
    throw miroirError('miroir_shard_unavailable', 'Shard 3 has no healthy replica.');
  });
  built.get('/bug', async () => {
    throw new TypeError('undefined is not a function');
  });
  app = built;
  return built;
}

const json = { 'content-type': 'application/json' };

describe('createHttpApp', () => {
  it('answers /health like Meilisearch', async () => {
    const res = await build().inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'available' });
  });

  it('serves Prometheus text on /metrics, with request counts and latencies by route and status', async () => {
    const a = build();
    await a.inject({ method: 'GET', url: '/indexes/movies' });
    await a.inject({ method: 'GET', url: '/indexes/books' });
    await a.inject({ method: 'GET', url: '/health' });
    const res = await a.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain(
      'miroir_http_requests_total{method="GET",route="/indexes/:uid",status="404"} 2',
    );
    expect(res.body).toContain('miroir_http_requests_total{method="GET",route="/health",status="200"} 1');
    expect(res.body).toMatch(
      /miroir_http_request_duration_seconds_count\{method="GET",route="\/indexes\/:uid",status="404"\} 2/,
    );
  });

  it('lets two apps share one registry', async () => {
    const metrics = createMetrics({ prefix: 'miroir_', defaultMetrics: false });
    const first = build({ metrics });
    const logger = createLogger({ service: 't', level: 'silent' });
    const second = createHttpApp({ logger, metrics, bodyLimit: 10 });
    await second.inject({ method: 'GET', url: '/health' });
    await first.inject({ method: 'GET', url: '/health' });
    expect(await metrics.registry.metrics()).toContain(
      'miroir_http_requests_total{method="GET",route="/health",status="200"} 2',
    );
    await second.close();
  });

  it('gives every response a request id, keeping a sane one from the caller', async () => {
    const a = build();
    const generated = await a.inject({ method: 'GET', url: '/health' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await a.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await a.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'bad id\n' },
    });
    expect(replaced.headers['x-request-id']).not.toBe('bad id\n');
  });

  it('turns a MiroirError into its Meilisearch body and status', async () => {
    const res = await build().inject({ method: 'GET', url: '/indexes/movies' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.body).toBe(
      JSON.stringify({
        message: 'Index `movies` not found.',
        code: 'index_not_found',
        type: 'invalid_request',
        link: 'https://docs.meilisearch.com/errors#index_not_found',
      }),
    );
  });

  it('adds Retry-After to 503 answers', async () => {
    const res = await build().inject({ method: 'GET', url: '/shards' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.json()).toMatchObject({
      code: 'miroir_shard_unavailable',
      type: 'system',
      link: 'docs/errors.md#miroir_shard_unavailable',
    });
  });

  it('turns unexpected errors into `internal` and logs them', async () => {
    const logs = captureLogs();
    const res = await build({ logs }).inject({ method: 'GET', url: '/bug' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({
      code: 'internal',
      type: 'internal',
      message: 'undefined is not a function',
    });
    expect(logs.lines().some((l) => l.level === 'error' && l.code === 'internal')).toBe(true);
  });

  it('parses JSON bodies, with or without a charset', async () => {
    const res = await build().inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: '{"q":"x"}',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ body: { q: 'x' } });
  });

  it('rejects malformed JSON with malformed_payload', async () => {
    const res = await build().inject({ method: 'POST', url: '/echo', headers: json, payload: '{"q":' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'malformed_payload', type: 'invalid_request' });
    expect(res.json<{ message: string }>().message).toMatch(
      /^The json payload provided is malformed\. `.+`\.$/,
    );
  });

  it('rejects an empty JSON body with missing_payload', async () => {
    const res = await build().inject({ method: 'POST', url: '/echo', headers: json, payload: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'missing_payload', message: 'A json payload is missing.' });
  });

  it('rejects a body over the limit with payload_too_large and the limit as Meilisearch prints it', async () => {
    const res = await build({ bodyLimit: 1000 }).inject({
      method: 'POST',
      url: '/echo',
      headers: json,
      payload: JSON.stringify({ q: 'x'.repeat(2000) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      message: 'The provided payload reached the size limit. The maximum accepted payload size is 1 KB.',
      code: 'payload_too_large',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#payload_too_large',
    });
  });

  it('rejects an unsupported content type with invalid_content_type, listing what the route accepts', async () => {
    const a = build();
    const res = await a.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      code: 'invalid_content_type',
      message:
        'The Content-Type `text/plain` is invalid. Accepted values for the Content-Type header are: `application/json`',
    });
    const docs = await a.inject({
      method: 'POST',
      url: '/documents',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(docs.json<{ message: string }>().message).toBe(
      'The Content-Type `application/xml` is invalid. Accepted values for the Content-Type header are: `application/json`, `application/x-ndjson`, `text/csv`',
    );
  });

  it('rejects a body without a content type with missing_content_type', async () => {
    const res = await build().inject({ method: 'POST', url: '/echo', payload: 'hello' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({
      code: 'missing_content_type',
      message:
        'A Content-Type header is missing. Accepted values for the Content-Type header are: `application/json`',
    });
  });

  it('ignores trailing and doubled slashes, as Meilisearch does', async () => {
    const a = build();
    expect((await a.inject({ method: 'GET', url: '/health/' })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '//indexes//movies' })).json()).toMatchObject({
      code: 'index_not_found',
    });
  });

  it('answers unknown routes with a bare 404, as Meilisearch does', async () => {
    const res = await build().inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe('');
  });

  it('logs one line per request without the query string', async () => {
    const logs = captureLogs();
    const a = build({ logs });
    await a.inject({ method: 'GET', url: '/indexes/movies?q=very+private' });
    await a.inject({ method: 'GET', url: '/health' });
    expect(logs.text()).not.toContain('very');
    const requests = logs.lines().filter((l) => l.msg === 'request');
    expect(requests[0]).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/indexes/:uid',
      status: 404,
      service: 'test',
    });
    expect(typeof requests[0]?.reqId).toBe('string');
    // Probe routes log at debug only.
    expect(requests[1]).toMatchObject({ level: 'debug', route: '/health' });
  });
});

describe('request logging', () => {
  it('binds the request id to the lines a request writes, its request line included', async () => {
    const logs = captureLogs();
    const a = build({ logs });
    await a.inject({ method: 'GET', url: '/bug', headers: { 'x-request-id': 'req-42' } });
    const failed = logs.lines().find((l) => l.msg === 'request failed');
    const line = logs.lines().find((l) => l.msg === 'request');
    expect(failed).toMatchObject({ level: 'error', reqId: 'req-42', service: 'test' });
    expect(line).toMatchObject({ level: 'info', reqId: 'req-42', route: '/bug', status: 500 });
  });

  it('writes nothing through a request logger below its level', async () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'test', level: 'warn', destination: logs.stream });
    const a = createHttpApp({ logger, bodyLimit: 1000 });
    app = a;
    a.get('/quiet', async (request) => {
      request.log.info('not written');
      request.log.warn({ n: 1 }, 'written');
      return { level: request.log.level };
    });
    const res = await a.inject({ method: 'GET', url: '/quiet', headers: { 'x-request-id': 'q-1' } });
    expect(res.json()).toEqual({ level: 'warn' });
    expect(logs.lines().map((l) => l.msg)).toEqual(['written']);
    expect(logs.lines()[0]).toMatchObject({ reqId: 'q-1', n: 1 });
  });
});

describe('formatByteSize', () => {
  it('prints sizes like Meilisearch: decimal when exact, binary otherwise', () => {
    expect(formatByteSize(100_000_000)).toBe('100 MB');
    expect(formatByteSize(10 * 1024 * 1024)).toBe('10 MiB');
    expect(formatByteSize(1000)).toBe('1 KB');
    expect(formatByteSize(1024)).toBe('1 KiB');
    expect(formatByteSize(1234)).toBe('1234 B');
  });
});
