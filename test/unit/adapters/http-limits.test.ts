// Request deadline and log hygiene of the shared HTTP app: a request not answered within
// `requestTimeoutMs` gets 503 miroir_request_timeout (Meilisearch's error shape, Retry-After), the
// handler's late answer is dropped without crashing, and no log line carries the query string.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '#adapters/http-server.ts';
import { createLogger, withoutUrlQueries } from '#adapters/logger.ts';
import { captureLogs, type LogCapture } from './log-capture.ts';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function build(logs: LogCapture, level: 'info' | 'debug' = 'info'): FastifyInstance {
  const logger = createLogger({ service: 'test', level, destination: logs.stream });
  const built = createHttpApp({ logger, bodyLimit: 10_000, requestTimeoutMs: 100 });
  built.get('/indexes/:uid/search', async (request) => {
    // A stuck fan-out; it answers after the deadline, when the reply is long gone.
    await new Promise((r) => setTimeout(r, 300));
    return { hits: [], query: (request.query as { q?: string }).q };
  });
  built.get('/fast', async () => ({ ok: true }));
  app = built;
  return built;
}

describe('request deadline', () => {
  it('given a handler slower than requestTimeoutMs, when requested, then the answer is 503 miroir_request_timeout', async () => {
    const logs = captureLogs();
    const a = build(logs);
    const res = await a.inject({ method: 'GET', url: '/indexes/books/search?q=private-words' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('10');
    expect(res.json()).toEqual({
      message: 'The request was not answered within 100 ms.',
      code: 'miroir_request_timeout',
      type: 'system',
      link: 'docs/errors.md#miroir_request_timeout',
    });
    expect((await a.inject({ method: 'GET', url: '/fast' })).statusCode).toBe(200);
    // The late answer is refused by fastify with a warning that quotes the URL: without its query.
    await new Promise((r) => setTimeout(r, 400));
    expect(logs.text()).toContain('Reply was already sent');
    expect(logs.text()).not.toContain('private-words');
  });
});

describe('URL query strings in logs', () => {
  it('given a text quoting request URLs, when cleaned, then paths stay and queries go', () => {
    expect(withoutUrlQueries('in "/indexes/books/search?q=secret%20words&limit=3" (GET)?')).toBe(
      'in "/indexes/books/search?[omitted]" (GET)?',
    );
    expect(withoutUrlQueries('GET http://n1:7700/indexes/x/documents?fields=a,b failed')).toBe(
      'GET http://n1:7700/indexes/x/documents?[omitted] failed',
    );
    expect(withoutUrlQueries('what? nothing to see here?')).toBe('what? nothing to see here?');
  });

  it('given messages and errors quoting a URL, when logged at info and above, then no query text is written', () => {
    const logs = captureLogs();
    const logger = createLogger({ service: 'test', level: 'info', destination: logs.stream });
    logger.warn('late reply to /indexes/a/search?q=alpha-secret');
    logger.error({ err: new Error('failed on /indexes/a/search?q=beta-secret') }, 'request failed');
    logger.info({ route: '/indexes/:uid/search' }, 'see /multi-search?x=gamma-secret');
    expect(logs.text()).not.toMatch(/alpha-secret|beta-secret|gamma-secret/);
    expect(logs.lines()).toHaveLength(3);
  });
});
