// Facet distribution, facet stats and facet-value search over a set of candidate documents,
// following Meilisearch: strings grouped by normalized value (shown with the spelling of the
// lowest internal id), numbers kept apart, `maxValuesPerFacet`, `sortFacetValuesBy` alpha/count.
import { alphaOrder, type FacetValueStore } from './facet-values.ts';
import { normalizeWord } from './normalize.ts';

interface Bucket {
  key: string;
  count: number;
  number: number | null;
  normalized: string;
}

/**
 * Documents per value id among the candidates, and 1 + the entry whose spelling shows each value:
 * candidates arrive in ascending internal id, so the lowest id's spelling.
 */
function countValues(
  index: ReturnType<FacetValueStore['countIndex']>,
  candidates: ArrayLike<number>,
): { counts: Int32Array; firstEntry: Int32Array } {
  const counts = new Int32Array(index.numbers.length);
  const firstEntry = new Int32Array(index.numbers.length);
  const { start, ids } = index;
  for (let c = 0; c < candidates.length; c++) {
    const doc = candidates[c] as number;
    const end = start[doc + 1] as number;
    for (let k = start[doc] as number; k < end; k++) {
      const id = ids[k] as number;
      const before = counts[id] as number;
      counts[id] = before + 1;
      if (before === 0) firstEntry[id] = k + 1;
    }
  }
  return { counts, firstEntry };
}

function collectBuckets(
  store: FacetValueStore,
  field: string,
  candidates: ArrayLike<number>,
): { buckets: Bucket[]; min: number; max: number; hasNumbers: boolean } {
  const index = store.countIndex(field);
  const { counts, firstEntry } = countValues(index, candidates);
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
    buckets.push({
      key: index.spellings[(firstEntry[id] as number) - 1] ?? normalized,
      count,
      number: null,
      normalized,
    });
  }
  return { buckets, min, max, hasNumbers };
}

/** milli counts facets document by document up to this many candidates (facet_distribution.rs). */
const LINEAR_SCAN_CANDIDATES_THRESHOLD = 3000;

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Values in milli's order, numbers before strings. `alpha`: up to 3000 candidates milli counts
 * document by document into a map keyed by the number's text, so numbers sort as strings ("10"
 * before "9"); above, it walks the facet levels, numerically. `count` walks a max-heap of
 * (count, key): count descending, equal counts on the larger key first. `candidates` is left out
 * for facet search, whose numbers always sort numerically here.
 */
function sortBuckets(buckets: Bucket[], order: 'alpha' | 'count', candidates = Infinity): Bucket[] {
  const nums = buckets.filter((b) => b.number !== null);
  const strs = buckets.filter((b) => b.number === null);
  if (order === 'alpha') {
    if (candidates <= LINEAR_SCAN_CANDIDATES_THRESHOLD) nums.sort((a, b) => byText(a.key, b.key));
    else nums.sort((a, b) => (a.number as number) - (b.number as number));
    strs.sort((a, b) => byText(a.normalized, b.normalized));
  } else {
    nums.sort((a, b) => b.count - a.count || (b.number as number) - (a.number as number));
    strs.sort((a, b) => b.count - a.count || byText(b.normalized, a.normalized));
  }
  return [...nums, ...strs];
}

export function facetOrder(sortBy: Record<string, 'alpha' | 'count'>, field: string): 'alpha' | 'count' {
  return sortBy[field] ?? sortBy['*'] ?? 'alpha';
}

/**
 * One field's distribution over the candidates: counts per value id in one pass, then the first
 * `maxValues` values in facet order read off the precomputed alpha order (or, for count order, a
 * numeric sort of the values present), so the cost does not grow with sorting every value string.
 * Gives exactly what `sortBuckets(collectBuckets(...))` gives (the unit tests compare both); small
 * candidate sets take that reference path directly.
 */
function fieldDistribution(
  store: FacetValueStore,
  field: string,
  candidates: ArrayLike<number>,
  maxValues: number,
  order: 'alpha' | 'count',
): { values: Record<string, number>; stats: { min: number; max: number } | null } {
  const index = store.countIndex(field);
  const valueCount = index.numbers.length;
  const { counts, firstEntry } = countValues(index, candidates);
  let min = Infinity;
  let max = -Infinity;
  let hasNumbers = false;
  for (let id = 0; id < valueCount; id++) {
    const n = index.numbers[id];
    if (n === null || n === undefined || counts[id] === 0) continue;
    hasNumbers = true;
    if (n < min) min = n;
    if (n > max) max = n;
  }
  // Few candidates: milli's document-by-document count (numbers ordered as text) and building every
  // bucket is cheap. The packed count-order key needs counts and value ranks below 2^21.
  if (
    candidates.length <= LINEAR_SCAN_CANDIDATES_THRESHOLD ||
    valueCount >= 2 ** 21 ||
    candidates.length >= 2 ** 21
  ) {
    return {
      values: facetDistributionReference(store, field, candidates, maxValues, order),
      stats: hasNumbers ? { min, max } : null,
    };
  }
  const alpha = alphaOrder(index);
  let picked: number[] = [];
  if (order === 'alpha') {
    for (let x = 0; x < alpha.length && picked.length < maxValues; x++) {
      const id = alpha[x] as number;
      if (counts[id] !== 0) picked.push(id);
    }
  } else {
    // Count descending, equal counts on the larger value first; numbers before strings.
    const rank = new Int32Array(valueCount);
    for (let x = 0; x < alpha.length; x++) rank[alpha[x] as number] = x;
    const present: number[] = [];
    for (let id = 0; id < valueCount; id++) if (counts[id] !== 0) present.push(id);
    const keys = new Float64Array(present.length);
    for (let x = 0; x < present.length; x++) {
      const id = present[x] as number;
      const group = index.numbers[id] === null ? 1 : 0;
      keys[x] =
        (group * 2 ** 21 + (2 ** 21 - (counts[id] as number))) * 2 ** 21 +
        (2 ** 21 - 1 - (rank[id] as number));
    }
    keys.sort();
    picked = Array.from(keys.subarray(0, maxValues), (key) => alpha[2 ** 21 - 1 - (key % 2 ** 21)] as number);
  }
  const values: Record<string, number> = {};
  for (const id of picked) {
    const n = index.numbers[id];
    const spelling = index.spellings[(firstEntry[id] as number) - 1] ?? index.normalized[id] ?? '';
    const key = n === null || n === undefined ? spelling : String(n);
    values[key] = counts[id] as number;
  }
  return { values, stats: hasNumbers ? { min, max } : null };
}

export function facetDistribution(
  store: FacetValueStore,
  fields: readonly string[],
  candidates: ArrayLike<number>,
  maxValues: number,
  sortBy: Record<string, 'alpha' | 'count'>,
): {
  distribution: Record<string, Record<string, number>>;
  stats: Record<string, { min: number; max: number }>;
} {
  const distribution: Record<string, Record<string, number>> = {};
  const stats: Record<string, { min: number; max: number }> = {};
  for (const field of [...fields].sort()) {
    const { values, stats: fieldStats } = fieldDistribution(
      store,
      field,
      candidates,
      maxValues,
      facetOrder(sortBy, field),
    );
    distribution[field] = values;
    if (fieldStats) stats[field] = fieldStats;
  }
  return { distribution, stats };
}

/** The reference distribution (every bucket built and sorted), kept for facet search and tests. */
export function facetDistributionReference(
  store: FacetValueStore,
  field: string,
  candidates: ArrayLike<number>,
  maxValues: number,
  order: 'alpha' | 'count',
): Record<string, number> {
  const values: Record<string, number> = {};
  for (const b of sortBuckets(
    collectBuckets(store, field, candidates).buckets,
    order,
    candidates.length,
  ).slice(0, maxValues))
    values[b.key] = b.count;
  return values;
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
      if (prev2 && i > 1 && j > 1 && value[i - 1] === query[j - 2] && value[i - 2] === query[j - 1])
        v = Math.min(v, (prev2[j - 2] as number) + 1);
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
