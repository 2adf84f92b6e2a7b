// Indexer consumer groups: the whole-topic assignment (every partition of one index generation
// in one member of a node's group) and the settings version carried in offset-commit metadata.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appliedSettingsMetadata,
  appliedSettingsOf,
  assignWholeTopics,
  indexerGroupId,
} from '#core/log/consumer-groups.ts';

const all = (topic: string, n: number) => ({ topic, partitions: Array.from({ length: n }, (_, i) => i) });

describe('indexerGroupId', () => {
  it('is <prefix>indexer.<nodeId>.<topic>: one group per node and index generation', () => {
    expect(indexerGroupId('miroir.', 'node-1', 'miroir.docs.books.g0')).toBe(
      'miroir.indexer.node-1.miroir.docs.books.g0',
    );
  });
});

describe('assignWholeTopics', () => {
  it('gives every partition of a topic to one member, and spreads topics over members', () => {
    const existing = new Map([
      ['x', [0, 1, 2, 3]],
      ['y', [0, 1, 2, 3]],
    ]);
    const wants = [all('x', 4), all('y', 4)];
    const plan = assignWholeTopics(
      [
        { memberId: 'b', wants },
        { memberId: 'a', wants },
      ],
      existing,
    );
    expect(plan).toEqual(
      new Map([
        ['a', { x: [0, 1, 2, 3] }],
        ['b', { y: [0, 1, 2, 3] }],
      ]),
    );
  });

  it('leaves a member idle rather than splitting a lone topic', () => {
    const plan = assignWholeTopics(
      [
        { memberId: 'a', wants: [all('x', 4)] },
        { memberId: 'b', wants: [all('x', 4)] },
      ],
      new Map([['x', [0, 1, 2, 3]]]),
    );
    expect(plan).toEqual(
      new Map([
        ['a', { x: [0, 1, 2, 3] }],
        ['b', {}],
      ]),
    );
  });

  it('while members disagree (a topology change on its way), the topic goes to the member wanting most of it and nothing stays unread', () => {
    const plan = assignWholeTopics(
      [
        { memberId: 'a', wants: [{ topic: 'x', partitions: [0, 1] }] },
        { memberId: 'b', wants: [{ topic: 'x', partitions: [0, 1, 2] }] },
        { memberId: 'c', wants: [{ topic: 'x', partitions: [3] }] },
      ],
      new Map([['x', [0, 1, 2, 3]]]),
    );
    expect(plan).toEqual(
      new Map([
        ['a', {}],
        ['b', { x: [0, 1, 2] }],
        ['c', { x: [3] }],
      ]),
    );
  });

  it('skips partitions that do not exist and members that want nothing', () => {
    const plan = assignWholeTopics(
      [
        {
          memberId: 'a',
          wants: [
            { topic: 'x', partitions: [0, 9] },
            { topic: 'gone', partitions: [0] },
          ],
        },
        { memberId: 'b', wants: [] },
      ],
      new Map([['x', [0, 1]]]),
    );
    expect(plan).toEqual(
      new Map([
        ['a', { x: [0] }],
        ['b', {}],
      ]),
    );
  });

  it('for any members agreeing on their wants: each topic in exactly one member, every wanted partition once, same plan in any order', () => {
    const topicNames = ['t0', 't1', 't2', 't3', 't4'];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        fc.subarray(topicNames, { minLength: 1 }),
        fc.integer({ min: 1, max: 6 }),
        (ids, topics, partitions) => {
          const wants = topics.map((t) => all(t, partitions));
          const existing = new Map(topics.map((t) => [t, Array.from({ length: partitions }, (_, i) => i)]));
          const members = ids.map((memberId) => ({ memberId, wants }));
          const plan = assignWholeTopics(members, existing);
          expect(assignWholeTopics([...members].reverse(), existing)).toEqual(plan);
          for (const topic of topics) {
            const holders = [...plan.values()].filter((a) => a[topic] !== undefined);
            expect(holders).toHaveLength(1);
            expect(holders[0]?.[topic]).toEqual(Array.from({ length: partitions }, (_, i) => i));
          }
          // Balanced by topic count: no member holds two topics more than another.
          const counts = [...plan.values()].map((a) => Object.keys(a).length);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('settings version in commit metadata', () => {
  it('round-trips a version', () => {
    expect(appliedSettingsMetadata(42)).toBe('settings=42');
    expect(appliedSettingsOf(appliedSettingsMetadata(42))).toBe(42);
    expect(appliedSettingsOf(appliedSettingsMetadata(0))).toBe(0);
  });

  it('reads no version (-1) from absent or foreign metadata', () => {
    for (const metadata of [
      null,
      undefined,
      '',
      'settings=',
      'settings=-3',
      'settings=1x',
      'other=4',
      ' settings=4',
    ]) {
      expect(appliedSettingsOf(metadata)).toBe(-1);
    }
  });

  it('refuses a version that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => appliedSettingsMetadata(bad)).toThrow(RangeError);
  });
});
