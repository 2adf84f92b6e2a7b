import { describe, expect, it } from 'vitest';
import { isMiroirError } from '#core/errors.ts';
import { KAFKA_MAX_TOPIC_NAME_LENGTH, parseTopic, topicNames } from '#core/log/topics.ts';

describe('topic names', () => {
  it('given the default prefix, when names are built, then they follow <prefix><kind>[.<index>][.g<N>]', () => {
    const names = topicNames();
    expect(names.control).toBe('miroir.control');
    expect(names.tasks).toBe('miroir.tasks');
    expect(names.docs('movies', 0)).toBe('miroir.docs.movies.g0');
    expect(names.docs('movies_2026-01', 12)).toBe('miroir.docs.movies_2026-01.g12');
    expect(names.inbox('movies')).toBe('miroir.inbox.movies');
    expect(names.dlq('movies')).toBe('miroir.dlq.movies');
    expect(names.changelog('movies')).toBe('miroir.changelog.movies');
  });

  it('given a custom or empty prefix, when names are built, then the prefix is used as is', () => {
    expect(topicNames('prod-eu_').docs('a', 1)).toBe('prod-eu_docs.a.g1');
    expect(topicNames('').control).toBe('control');
  });

  it('given an index uid too long for Kafka, when its topic is named, then it is shortened with a hash and stays unique', () => {
    const names = topicNames();
    const long = 'x'.repeat(390);
    const a = names.docs(long, 3);
    const b = names.docs(`${long.slice(0, 389)}y`, 3);
    expect(a.length).toBeLessThanOrEqual(KAFKA_MAX_TOPIC_NAME_LENGTH);
    expect(a).toMatch(/^miroir\.docs\.x+\.[0-9a-f]{16}\.g3$/);
    expect(a).not.toBe(b);
    expect(parseTopic(a)).toMatchObject({ kind: 'docs', shortened: true, generation: 3 });
  });

  it('given names it built, when parsed back, then kind, index and generation come out', () => {
    const names = topicNames('m.');
    expect(parseTopic(names.docs('movies', 7), 'm.')).toEqual({
      kind: 'docs',
      indexUid: 'movies',
      shortened: false,
      generation: 7,
    });
    expect(parseTopic(names.inbox('movies'), 'm.')).toEqual({
      kind: 'inbox',
      indexUid: 'movies',
      shortened: false,
    });
    expect(parseTopic(names.control, 'm.')).toEqual({ kind: 'control' });
    expect(parseTopic('other.docs.movies.g0', 'm.')).toBeNull();
    expect(parseTopic('m.docs.movies.gx', 'm.')).toBeNull();
    expect(parseTopic('m.unknown.movies', 'm.')).toBeNull();
  });

  it('given a bad index uid or prefix, when a name is built, then it fails with Meilisearch-style errors', () => {
    const names = topicNames();
    try {
      names.docs('bad uid!', 0);
      expect.unreachable();
    } catch (err) {
      expect(isMiroirError(err) && err.code).toBe('invalid_index_uid');
      expect((err as Error).message).toMatch(/^`bad uid!` is not a valid index uid\./);
    }
    expect(() => names.docs('a.b', 0)).toThrow(/not a valid index uid/);
    expect(() => names.docs('movies', -1)).toThrow(/Generation -1/);
    expect(() => topicNames('bad prefix/')).toThrow(/Topic prefix/);
  });
});
