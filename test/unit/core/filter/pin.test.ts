// Primary-key pinning: which filters restrict results to a known set of ids.
import { describe, expect, it } from 'vitest';
import { parseFilter } from '#core/filter/parse.ts';
import { pinnedPrimaryKeys, type PinOptions } from '#core/filter/pin.ts';

const pins = (filter: string, opts?: PinOptions): string[] | null => {
  const expr = parseFilter(filter);
  if (!expr) throw new Error('empty filter');
  return pinnedPrimaryKeys(expr, 'id', opts);
};

describe('pinnedPrimaryKeys', () => {
  it('pins equality and IN on the primary key', () => {
    expect(pins('id = 12')).toEqual(['12']);
    expect(pins('id IN [1, 2, 2]')).toEqual(['1', '2']);
    expect(pins('id IN []')).toEqual([]);
  });

  it('adds the integer routing key a numeric value also matches', () => {
    expect(pins('id = 007')).toEqual(['007', '7']);
    expect(pins('id = -0')).toEqual(['-0', '0']);
  });

  it('intersects inside AND and unions inside OR', () => {
    expect(pins('id IN [1, 2, 3] AND genre = horror')).toEqual(['1', '2', '3']);
    expect(pins('id IN [1, 2, 3] AND id IN [2, 3, 4]')).toEqual(['2', '3']);
    expect(pins('id = 1 OR id IN [2, 3]')).toEqual(['1', '2', '3']);
    expect(pins('(id = 1 AND a = 2) OR id = 3')).toEqual(['1', '3']);
  });

  it('does not pin anything else', () => {
    expect(pins('id = 1 OR genre = horror')).toBeNull();
    expect(pins('id != 1')).toBeNull();
    expect(pins('NOT id = 1')).toBeNull();
    expect(pins('id > 1')).toBeNull();
    expect(pins('id 1 TO 3')).toBeNull();
    expect(pins('other = 1')).toBeNull();
    expect(pins('id EXISTS')).toBeNull();
  });

  it('does not pin values the facet index could match other ids with', () => {
    expect(pins('id = abc')).toBeNull(); // would also match "ABC"
    expect(pins('id = " 1"')).toBeNull(); // trimmed to "1"
    expect(pins('id = 1.5')).toBeNull(); // not an id
    expect(pins('id IN [1, abc]')).toBeNull();
  });

  it('pins ids with letters when the caller vouches ids never differ only by case', () => {
    expect(pins('id = "3f2a-9b"', { assumeCaseUniqueIds: true })).toEqual(['3f2a-9b']);
    expect(pins('id = 1e2', { assumeCaseUniqueIds: true })).toEqual(['1e2', '100']);
  });
});
