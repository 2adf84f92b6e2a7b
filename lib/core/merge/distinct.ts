// Cross-shard distinct: every shard already kept its best hit per value, but one distinct value
// may live on several shards. Walking hits in merged order and keeping the first hit per value
// reproduces milli's rule: a hit sharing any value with a kept hit goes; hits without the field stay.
import { facetValuesOf } from './sort-values.ts';
import type { Hit } from './types.ts';

export class DistinctFilter {
  private readonly seen = new Set<string>();
  private rejectedCount = 0;

  constructor(private readonly field: string) {}

  /** Whether the hit is kept; a kept hit claims all of its values. */
  accept(hit: Hit): boolean {
    const values = facetValuesOf(hit, this.field);
    if (values.length === 0) return true;
    // Numbers and strings are distinct facet kinds: 1 and "1" are different values.
    const ids = values.map((value) => (typeof value === 'number' ? `n${value}` : `s${value}`));
    if (ids.some((id) => this.seen.has(id))) {
      this.rejectedCount += 1;
      return false;
    }
    for (const id of ids) this.seen.add(id);
    return true;
  }

  get rejected(): number {
    return this.rejectedCount;
  }
}
