// Logger: fixed bindings, level from config, secrets redacted, user content kept out of info.
import { describe, expect, it } from 'vitest';
import { OMITTED, REDACTED, childLogger, createLogger } from '#adapters/logger.ts';
import { captureLogs } from './log-capture.ts';

describe('createLogger', () => {
  it('writes JSON lines bound to the service, with a text level and ISO time', () => {
    const cap = captureLogs();
    const log = createLogger({ service: 'query', level: 'info', destination: cap.stream });
    log.info('hello');
    const [line] = cap.lines();
    expect(line).toMatchObject({ service: 'query', level: 'info', msg: 'hello' });
    expect(typeof line?.time).toBe('string');
    expect(Number.isNaN(Date.parse(String(line?.time)))).toBe(false);
  });

  it('honours the configured level', () => {
    const cap = captureLogs();
    const log = createLogger({ service: 's', level: 'warn', destination: cap.stream });
    log.info('dropped');
    log.warn('kept');
    expect(cap.lines().map((l) => l.msg)).toEqual(['kept']);
  });

  it('binds index, shard, node, partition and offset on child loggers', () => {
    const cap = captureLogs();
    const log = createLogger({ service: 'indexer', level: 'info', destination: cap.stream });
    childLogger(log, { index: 'movies', shard: 3, node: 'n1', partition: 3, offset: '42' }).info('applied');
    expect(cap.lines()[0]).toMatchObject({
      service: 'indexer',
      index: 'movies',
      shard: 3,
      node: 'n1',
      partition: 3,
      offset: '42',
    });
  });

  it('redacts secrets at every level', () => {
    const cap = captureLogs();
    const log = createLogger({ service: 's', level: 'trace', destination: cap.stream });
    log.info({ apiKey: 'k1', node: { apiKey: 'k2', url: 'http://n' } }, 'a');
    log.debug({ headers: { authorization: 'Bearer secret', host: 'h' } }, 'b');
    log.info({ config: { auth: { masterKey: 'mk-secret-value' }, nodes: [{ id: 'n', apiKey: 'k3' }] } }, 'c');
    const text = cap.text();
    for (const secret of ['k1', 'k2', 'k3', 'Bearer secret', 'mk-secret-value'])
      expect(text).not.toContain(secret);
    const [a, b] = cap.lines();
    expect(a).toMatchObject({ apiKey: REDACTED, node: { apiKey: REDACTED, url: 'http://n' } });
    expect(b).toMatchObject({ headers: { authorization: REDACTED, host: 'h' } });
  });

  it('keeps query text and documents out of info and above, but not out of debug', () => {
    const cap = captureLogs();
    const log = createLogger({ service: 's', level: 'debug', destination: cap.stream });
    log.info({ q: 'private search', documents: [{ id: 1 }], index: 'movies' }, 'search');
    log.error({ filter: 'email = "a@b.c"' }, 'failed');
    log.debug({ q: 'private search' }, 'detail');
    const [info, error, debug] = cap.lines();
    expect(info).toMatchObject({ q: OMITTED, documents: OMITTED, index: 'movies' });
    expect(error).toMatchObject({ filter: OMITTED });
    expect(debug).toMatchObject({ q: 'private search' });
  });

  it('serialises errors with their cause', () => {
    const cap = captureLogs();
    const log = createLogger({ service: 's', level: 'info', destination: cap.stream });
    log.error({ err: new Error('outer', { cause: new Error('inner') }) }, 'x');
    const err = cap.lines()[0]?.err as { message: string; cause?: { message: string } };
    expect(err.message).toBe('outer');
    expect(err.cause?.message).toBe('inner');
  });
});
