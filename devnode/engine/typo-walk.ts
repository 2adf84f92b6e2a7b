// Typo and prefix lookups over the sorted word list, with Meilisearch's Damerau-Levenshtein rules:
// transposition costs 1; a 1-typo derivation must keep the first letter; a 2-typo budget also
// admits words whose first letter differs when the rest is within 1 edit (counted as 2 typos).
// The walk shares DP rows between neighbours in sorted order and skips whole prefix ranges.

/** Meilisearch caps typo derivations per query term (milli query_term: 150 one-typo, 50 two-typo). */
export const MAX_ONE_TYPO_DERIVATIONS = 150;
export const MAX_TWO_TYPO_DERIVATIONS = 50;

export interface TypoMatch {
  index: number; // index in the sorted list
  typos: 1 | 2;
}

/** First index whose word is >= `key` (UTF-16 order, the order of Array#sort on strings). */
export function lowerBound(sorted: readonly string[], key: string, lo = 0, hi = sorted.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [start, end) of the words starting with `prefix`. */
export function prefixRange(sorted: readonly string[], prefix: string, lo = 0, hi = sorted.length): [number, number] {
  const start = lowerBound(sorted, prefix, lo, hi);
  const end = lowerBound(sorted, `${prefix}\uffff`, start, hi);
  return [start, end];
}

/** End of the run of words starting with `prefix` that begins at `from` (galloping: runs are often short). */
function prefixRunEnd(sorted: readonly string[], prefix: string, from: number, hi: number): number {
  let step = 1;
  let lo = from;
  while (lo + step < hi && (sorted[lo + step] as string).startsWith(prefix)) {
    lo += step;
    step *= 2;
  }
  return lowerBound(sorted, `${prefix}\uffff`, lo, Math.min(hi, lo + step + 1));
}

interface WalkOptions {
  query: string;
  maxDistance: number;
  prefix: boolean;
  /** Accepts a word (e.g. not a number when disableOnNumbers); false skips it. */
  accept: (index: number) => boolean;
  /** Called for each match with its edit distance (>= 1); returns false to stop the walk. */
  onMatch: (index: number, distance: number) => boolean;
}

/**
 * Visits words in [lo, hi) whose edit distance to the query (or, in prefix mode, the distance of
 * their best prefix) is between 1 and maxDistance.
 */
function walk(sorted: readonly string[], lo: number, hi: number, opts: WalkOptions): void {
  const q = opts.query;
  const n = q.length;
  const k = opts.maxDistance;
  const rows: Int32Array[] = [Int32Array.from({ length: n + 1 }, (_, j) => j)];
  const rowMin: number[] = [0];
  const best: number[] = [opts.prefix ? (n <= k ? n : Infinity) : Infinity];
  let prev = '';
  let i = lo;
  while (i < hi) {
    const w = sorted[i] as string;
    let common = 0;
    const limit = Math.min(prev.length, w.length);
    while (common < limit && prev.charCodeAt(common) === w.charCodeAt(common)) common++;
    let depth = common;
    let skipTo = -1;
    let emitAllAt = -1;
    while (depth < w.length) {
      const d = depth + 1;
      const c = w.charCodeAt(depth);
      let row = rows[d];
      if (!row) {
        row = new Int32Array(n + 1);
        rows[d] = row;
      }
      const up = rows[d - 1] as Int32Array;
      const up2 = d >= 2 ? (rows[d - 2] as Int32Array) : null;
      row[0] = d;
      let min = d;
      for (let j = 1; j <= n; j++) {
        const cost = q.charCodeAt(j - 1) === c ? 0 : 1;
        let v = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
        if (up2 && j >= 2 && c === q.charCodeAt(j - 2) && w.charCodeAt(depth - 1) === q.charCodeAt(j - 1)) {
          v = Math.min(v, (up2[j - 2] as number) + 1);
        }
        row[j] = v;
        if (v < min) min = v;
      }
      rowMin[d] = min;
      best[d] = opts.prefix ? Math.min(best[d - 1] as number, row[n] as number) : Infinity;
      depth = d;
      const bestHere = best[d];
      if (opts.prefix && bestHere <= k && min >= bestHere) {
        // Every word under this prefix matches with the same distance: no deeper row can beat it.
        emitAllAt = d;
        break;
      }
      if (min > k && (rowMin[d - 1] as number) > k - 1 && bestHere > k) {
        skipTo = d;
        break;
      }
    }
    if (emitAllAt >= 0) {
      const distance = best[emitAllAt] as number;
      const end = prefixRunEnd(sorted, w.slice(0, emitAllAt), i, hi);
      if (distance >= 1) {
        for (let x = i; x < end; x++) if (opts.accept(x) && !opts.onMatch(x, distance)) return;
      }
      prev = w.slice(0, emitAllAt);
      i = end;
      continue;
    }
    if (skipTo >= 0) {
      const end = prefixRunEnd(sorted, w.slice(0, skipTo), i, hi);
      prev = w.slice(0, skipTo);
      i = end;
      continue;
    }
    const distance = opts.prefix ? (best[w.length] as number) : ((rows[w.length] as Int32Array)[n] as number);
    if (distance >= 1 && distance <= k && opts.accept(i) && !opts.onMatch(i, distance)) return;
    prev = w;
    i++;
  }
}

const firstLettersCache = new WeakMap<readonly string[], string[]>();

/** Distinct first letters of the sorted list (cached per list instance). */
function firstLetters(sorted: readonly string[]): string[] {
  let letters = firstLettersCache.get(sorted);
  if (!letters) {
    letters = [];
    let i = 0;
    while (i < sorted.length) {
      const c = (sorted[i] as string).charAt(0);
      letters.push(c);
      i = lowerBound(sorted, `${c}\uffff`, i);
    }
    firstLettersCache.set(sorted, letters);
  }
  return letters;
}

/**
 * Typo derivations of `query` within `maxTypos` (0, 1 or 2), capped like Meilisearch
 * (first in lexicographic order win).
 */
export function typoDerivations(sorted: readonly string[], query: string, maxTypos: number, prefix: boolean, accept: (index: number) => boolean): TypoMatch[] {
  if (maxTypos <= 0 || query.length === 0) return [];
  const out: TypoMatch[] = [];
  let one = 0;
  let two = 0;
  const first = query.charAt(0);
  const [sameLo, sameHi] = prefixRange(sorted, first);
  walk(sorted, sameLo, sameHi, {
    query,
    maxDistance: maxTypos,
    prefix,
    accept,
    onMatch: (index, distance) => {
      if (distance === 1 && one < MAX_ONE_TYPO_DERIVATIONS) {
        out.push({ index, typos: 1 });
        one++;
      } else if (distance === 2 && two < MAX_TWO_TYPO_DERIVATIONS) {
        out.push({ index, typos: 2 });
        two++;
      }
      return one < MAX_ONE_TYPO_DERIVATIONS || (maxTypos === 2 && two < MAX_TWO_TYPO_DERIVATIONS);
    },
  });
  if (maxTypos === 2 && two < MAX_TWO_TYPO_DERIVATIONS) {
    // A changed first letter spends the one edit the rest may have, so the rest must match
    // exactly: substitution (c + q[1..]), deletion (q[1..]), insertion (c + q), transposition.
    const rest = query.slice(1);
    const shapes = new Set<string>([rest]);
    if (query.length > 1 && query[1] !== query[0]) shapes.add(`${query[1]}${query[0]}${query.slice(2)}`);
    for (const c of firstLetters(sorted)) {
      if (c === first) continue;
      shapes.add(c + rest);
      shapes.add(c + query);
    }
    const found = new Set<number>();
    for (const shape of [...shapes].sort()) {
      if (shape.charAt(0) === first) continue;
      const [lo, hi] = prefix ? prefixRange(sorted, shape) : [lowerBound(sorted, shape), 0];
      if (prefix) {
        for (let x = lo; x < hi; x++) found.add(x);
      } else if (sorted[lo] === shape) found.add(lo);
    }
    for (const index of [...found].sort((a, b) => a - b)) {
      if (two >= MAX_TWO_TYPO_DERIVATIONS) break;
      if (!accept(index)) continue;
      out.push({ index, typos: 2 });
      two++;
    }
  }
  return out;
}
