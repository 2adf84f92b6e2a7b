// Facet distribution, facet stats and facet-value search over a set of candidate documents,
// following Meilisearch: strings grouped by normalized value (shown with the spelling of the
// lowest internal id), numbers kept apart, `maxValuesPerFacet`, `sortFacetValuesBy` alpha/count.
import type { FacetValueStore } from './facet-values.ts';
import { normalizeWord } from './normalize.ts';

interface Bucket {
  key: string;
  count: number;
  number: number | null;
  normalized: string;
}

function collectBuckets(store: FacetValueStore, field: string, candidates: ArrayLike<number>): { buckets: Bucket[]; min: number; max: number; hasNumbers: boolean } {
  const index = store.countIndex(field);
  const counts = new Int32Array(index.numbers.length);
  // Candidates arrive in ascending internal id, so the first spelling seen is the lowest id's.
  const spelling: (string | undefined)[] = new Array<string | undefined>(index.numbers.length);
  const { start, ids } = index;
  for (let c = 0; c < candidates.length; c++) {
    const doc = candidates[c] as number;
    const end = start[doc + 1] as number;
    for (let k = start[doc] as number; k < end; k++) {
      const id = ids[k] as number;
      const before = counts[id] as number;
      counts[id] = before + 1;
      if (before === 0) spelling[id] = index.spellings[k];
    }
  }
  const buckets: Bucket[] = [];
  let min = Infinity;
  let max = -Infinity;
  let hasNumbers = false;
  // Numbers first, then strings, each in first-seen order (the order the sorts below expect as ties).
  for (let id = 0; id < counts.length; id++) {
    const count = counts[id] as number;
    const n = index.numbers[id] as number | null;
    if (count === 0 || n === null) continue;
    hasNumbers = true;
    if (n < min) min = n;
    if (n > max) max = n;
    buckets.push({ key: String(n), count, number: n, normalized: String(n) });
  }
  for (let id = 0; id < counts.length; id++) {
    const count = counts[id] as number;
    if (count === 0 || index.numbers[id] !== null) continue;
    const normalized = index.normalized[id] as string;
    buckets.push({ key: spelling[id] ?? normalized, count, number: null, normalized });
  }
  return { buckets, min, max, hasNumbers };
}

function sortBuckets(buckets: Bucket[], order: 'alpha' | 'count'): Bucket[] {
  const nums = buckets.filter((b) => b.number !== null);
  const strs = buckets.filter((b) => b.number === null);
  if (order === 'alpha') {
    nums.sort((a, b) => (a.number as number) - (b.number as number));
    strs.sort((a, b) => (a.normalized < b.normalized ? -1 : a.normalized > b.normalized ? 1 : 0));
  } else {
    nums.sort((a, b) => b.count - a.count || (a.number as number) - (b.number as number));
    strs.sort((a, b) => b.count - a.count || (a.normalized < b.normalized ? -1 : a.normalized > b.normalized ? 1 : 0));
  }
  return [...nums, ...strs];
}

export function facetOrder(sortBy: Record<string, 'alpha' | 'count'>, field: string): 'alpha' | 'count' {
  return sortBy[field] ?? sortBy['*'] ?? 'alpha';
}

export function facetDistribution(
  store: FacetValueStore,
  fields: readonly string[],
  candidates: ArrayLike<number>,
  maxValues: number,
  sortBy: Record<string, 'alpha' | 'count'>,
): { distribution: Record<string, Record<string, number>>; stats: Record<string, { min: number; max: number }> } {
  const distribution: Record<string, Record<string, number>> = {};
  const stats: Record<string, { min: number; max: number }> = {};
  for (const field of [...fields].sort()) {
    const { buckets, min, max, hasNumbers } = collectBuckets(store, field, candidates);
    const values: Record<string, number> = {};
    for (const b of sortBuckets(buckets, facetOrder(sortBy, field)).slice(0, maxValues)) values[b.key] = b.count;
    distribution[field] = values;
    if (hasNumbers) stats[field] = { min, max };
  }
  return { distribution, stats };
}

/** Damerau-Levenshtein distance of `query` to the best prefix of `value` (first letter kept). */
function prefixDistance(query: string, value: string, limit: number): number {
  if (value.startsWith(query)) return 0;
  if (limit === 0 || query.charAt(0) !== value.charAt(0)) return Infinity;
  const n = query.length;
  let prev2: number[] | null = null;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let best = prev[n] as number;
  for (let i = 1; i <= value.length; i++) {
    const row = [i];
    for (let j = 1; j <= n; j++) {
      const cost = value[i - 1] === query[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (prev2 && i > 1 && j > 1 && value[i - 1] === query[j - 2] && value[i - 2] === query[j - 1]) v = Math.min(v, (prev2[j - 2] as number) + 1);
      row.push(v);
    }
    best = Math.min(best, row[n] as number);
    if (Math.min(...row) > limit) break;
    prev2 = prev;
    prev = row;
  }
  return best;
}

export function searchFacetValues(
  store: FacetValueStore,
  field: string,
  candidates: ArrayLike<number>,
  facetQuery: string | null,
  typoLimit: number,
  maxValues: number,
  order: 'alpha' | 'count',
): { value: string; count: number }[] {
  const { buckets } = collectBuckets(store, field, candidates);
  const query = facetQuery === null ? '' : normalizeWord(facetQuery.trim());
  const hits = buckets.filter((b) => {
    if (query === '') return true;
    if (b.number !== null) return b.key.startsWith(query);
    return prefixDistance(query, normalizeWord(b.normalized), typoLimit) <= typoLimit;
  });
  return sortBuckets(hits, order)
    .slice(0, maxValues)
    .map((b) => ({ value: b.key, count: b.count }));
}
