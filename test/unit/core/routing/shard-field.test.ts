// `_miroir_shard` injection into document bytes and shard-scoped filters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shardFilter, withShardField } from '#core/routing/shard-field.ts';

const inject = (text: string, shard: number) => withShardField(Buffer.from(text), shard).toString();

describe('withShardField', () => {
  it('appends the field to an object, keeping the client bytes', () => {
    expect(inject('{"id":1,"title":"Dune"}', 4)).toBe('{"id":1,"title":"Dune","_miroir_shard":{"s4":null}}');
    expect(inject('  {"id":"a"  }\n', 0)).toBe('{"id":"a"  ,"_miroir_shard":{"s0":null}}');
    expect(inject('{}', 2)).toBe('{"_miroir_shard":{"s2":null}}');
    expect(JSON.parse(inject('{ \n }', 2))).toEqual({ _miroir_shard: { s2: null } });
  });

  it('leaves a body that is not an object unchanged (the node rejects it)', () => {
    for (const text of ['[1,2]', '"x"', '', '{', '42']) expect(inject(text, 1)).toBe(text);
  });

  it('always yields the parsed document plus the field', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => !k.startsWith('_miroir_')),
          fc.jsonValue(),
        ),
        fc.nat(1023),
        (doc, shard) => {
          const out = JSON.parse(inject(JSON.stringify(doc), shard)) as Record<string, unknown>;
          expect(out).toEqual({ ...JSON.parse(JSON.stringify(doc)), _miroir_shard: { [`s${shard}`]: null } });
        },
      ),
    );
  });
});

describe('shardFilter', () => {
  it('ANDs the shard clause in array form', () => {
    expect(shardFilter('"a = 1 OR b = 2"', 3)).toEqual(['a = 1 OR b = 2', '_miroir_shard.s3 EXISTS']);
    expect(shardFilter('[["a = 1","b = 2"],"c = 3"]', 0)).toEqual([
      ['a = 1', 'b = 2'],
      'c = 3',
      '_miroir_shard.s0 EXISTS',
    ]);
    expect(shardFilter('genre = sf', 1)).toEqual(['genre = sf', '_miroir_shard.s1 EXISTS']);
  });
});
