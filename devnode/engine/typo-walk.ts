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
export function prefixRange(
  sorted: readonly string[],
  prefix: string,
  lo = 0,
  hi = sorted.length,
): [number, number] {
  const start = lowerBound(sorted, prefix, lo, hi);
  const end = lowerBound(sorted, `${prefix}\uffff`, start, hi);
  return [start, end];
}

/** True when `word` starts with the first `len` characters of `model` (no string allocated). */
function sharesPrefix(word: string, model: string, len: number): boolean {
  if (word.length < len) return false;
  for (let c = len - 1; c >= 0; c--) if (word.charCodeAt(c) !== model.charCodeAt(c)) return false;
  return true;
}

/** End of the run of words sharing `model`'s first `len` characters that begins at `from` (galloping: runs are often short). */
function prefixRunEnd(
  sorted: readonly string[],
  model: string,
  len: number,
  from: number,
  hi: number,
): number {
  let step = 1;
  let lo = from;
  while (lo + step < hi && sharesPrefix(sorted[lo + step] as string, model, len)) {
    lo += step;
    step *= 2;
  }
  // The run ends in (lo, min(hi, lo + step)]: binary search on the same test.
  let a = lo + 1;
  let b = Math.min(hi, lo + step);
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (sharesPrefix(sorted[mid] as string, model, len)) a = mid + 1;
    else b = mid;
  }
  return a;
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
 * their best prefix) is between 1 and maxDistance. One Damerau-Levenshtein row per character of
 * the current word, kept in one flat typed array and shared with the next word over their common
 * prefix; values saturate at maxDistance + 1, the only distances the caller tells apart.
 */
function walk(sorted: readonly string[], lo: number, hi: number, opts: WalkOptions): void {
  const q = opts.query;
  const n = q.length;
  const k = opts.maxDistance;
  const cap = k + 1;
  const width = n + 1;
  const qc = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) qc[j + 1] = q.charCodeAt(j);
  let depthCap = 64;
  let rows = new Int32Array(width * (depthCap + 1));
  let rowMin = new Int32Array(depthCap + 1);
  let best = new Int32Array(depthCap + 1);
  for (let j = 0; j <= n; j++) rows[j] = Math.min(j, cap);
  best[0] = opts.prefix ? Math.min(n, cap) : cap;
  // The previous word and how many of its leading characters have valid rows.
  let prev = '';
  let prevLen = 0;
  let i = lo;
  while (i < hi) {
    const w = sorted[i] as string;
    if (w.length > depthCap) {
      depthCap = w.length * 2;
      const grownRows = new Int32Array(width * (depthCap + 1));
      grownRows.set(rows);
      rows = grownRows;
      const grownMin = new Int32Array(depthCap + 1);
      grownMin.set(rowMin);
      rowMin = grownMin;
      const grownBest = new Int32Array(depthCap + 1);
      grownBest.set(best);
      best = grownBest;
    }
    let common = 0;
    const limit = Math.min(prevLen, w.length);
    while (common < limit && prev.charCodeAt(common) === w.charCodeAt(common)) common++;
    let depth = common;
    let skipTo = -1;
    let emitAllAt = -1;
    while (depth < w.length) {
      const d = depth + 1;
      const c = w.charCodeAt(depth);
      const before = depth >= 1 ? w.charCodeAt(depth - 1) : -1;
      const base = d * width;
      const up = base - width;
      const up2 = base - 2 * width;
      rows[base] = d < cap ? d : cap;
      // Only cells within `k` of the diagonal can stay <= k; the cells just outside the band are
      // set to the cap, which is what the next row reads there.
      const from = d - k > 1 ? d - k : 1;
      const to = d + k < n ? d + k : n;
      let left = from === 1 ? rows[base] : cap;
      if (from > 1 && from <= n) rows[base + from - 1] = cap;
      let min = from === 1 ? left : cap;
      for (let j = from; j <= to; j++) {
        const qj = qc[j] as number;
        let v = (rows[up + j - 1] as number) + (qj === c ? 0 : 1);
        const ins = (rows[up + j] as number) + 1;
        if (ins < v) v = ins;
        if (left + 1 < v) v = left + 1;
        if (d >= 2 && j >= 2 && c === qc[j - 1] && before === qj) {
          const t = (rows[up2 + j - 2] as number) + 1;
          if (t < v) v = t;
        }
        if (v > cap) v = cap;
        rows[base + j] = v;
        left = v;
        if (v < min) min = v;
      }
      if (to < n) rows[base + to + 1] = cap;
      rowMin[d] = min;
      const last = to === n && from <= n ? (rows[base + n] as number) : cap;
      const bestHere = opts.prefix ? Math.min(best[d - 1] as number, last) : cap;
      best[d] = bestHere;
      depth = d;
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
      const end = prefixRunEnd(sorted, w, emitAllAt, i, hi);
      if (distance >= 1) {
        for (let x = i; x < end; x++) if (opts.accept(x) && !opts.onMatch(x, distance)) return;
      }
      prev = w;
      prevLen = emitAllAt;
      i = end;
      continue;
    }
    if (skipTo >= 0) {
      const end = prefixRunEnd(sorted, w, skipTo, i, hi);
      prev = w;
      prevLen = skipTo;
      i = end;
      continue;
    }
    const distance = opts.prefix
      ? (best[w.length] as number)
      : w.length + k >= n && w.length - k <= n
        ? (rows[w.length * width + n] as number)
        : cap;
    if (distance >= 1 && distance <= k && opts.accept(i) && !opts.onMatch(i, distance)) return;
    prev = w;
    prevLen = w.length;
    i++;
  }
}

/** First index in [lo, hi) whose word, from character `from` on, is >= `key` (all words in the range share their first `from` characters). */
function lowerBoundFrom(
  sorted: readonly string[],
  key: string,
  from: number,
  lo: number,
  hi: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareFrom(sorted[mid] as string, key, from) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** UTF-16 comparison of `word.slice(from)` with `key`, without slicing. */
function compareFrom(word: string, key: string, from: number): number {
  const n = Math.min(word.length - from, key.length);
  for (let c = 0; c < n; c++) {
    const d = word.charCodeAt(from + c) - key.charCodeAt(c);
    if (d !== 0) return d;
  }
  return word.length - from - key.length;
}

/** `word.slice(from)` starts with `key`. */
function startsWithFrom(word: string, key: string, from: number): boolean {
  if (word.length - from < key.length) return false;
  for (let c = 0; c < key.length; c++) if (word.charCodeAt(from + c) !== key.charCodeAt(c)) return false;
  return true;
}

const firstLettersCache = new WeakMap<readonly string[], { letters: string[]; bounds: Int32Array }>();

/** Distinct first letters of the sorted list with their ranges (letter i covers [bounds[i], bounds[i + 1])), cached per list instance. */
function firstLetters(sorted: readonly string[]): { letters: string[]; bounds: Int32Array } {
  let entry = firstLettersCache.get(sorted);
  if (!entry) {
    const letters: string[] = [];
    const bounds: number[] = [];
    let i = 0;
    while (i < sorted.length) {
      const c = (sorted[i] as string).charAt(0);
      letters.push(c);
      bounds.push(i);
      i = lowerBound(sorted, `${c}\uffff`, i);
    }
    bounds.push(sorted.length);
    entry = { letters, bounds: Int32Array.from(bounds) };
    firstLettersCache.set(sorted, entry);
  }
  return entry;
}

/**
 * Typo derivations of `query` within `maxTypos` (0, 1 or 2), capped like Meilisearch
 * (first in lexicographic order win).
 */
export function typoDerivations(
  sorted: readonly string[],
  query: string,
  maxTypos: number,
  prefix: boolean,
  accept: (index: number) => boolean,
): TypoMatch[] {
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
    // Candidate ranges [lo, hi) of the sorted list (one word each outside prefix mode).
    const ranges: number[] = [];
    // Deletion of the first letter and transposition of the first two: shapes with their own first letter.
    const shapes = [rest];
    if (query.length > 1 && query[1] !== query[0]) shapes.push(`${query[1]}${query[0]}${query.slice(2)}`);
    for (const shape of shapes) {
      if (shape.length === 0 || shape.charAt(0) === first) continue;
      if (prefix) ranges.push(...prefixRange(sorted, shape));
      else {
        const lo = lowerBound(sorted, shape);
        if (sorted[lo] === shape) ranges.push(lo, lo + 1);
      }
    }
    // Substitution (c + rest) and insertion (c + query) of another first letter, searched inside
    // that letter's range by comparing from the second character (no shape strings built).
    const { letters, bounds } = firstLetters(sorted);
    for (let l = 0; l < letters.length; l++) {
      if (letters[l] === first) continue;
      const lo = bounds[l] as number;
      const hi = bounds[l + 1] as number;
      for (const key of [rest, query]) {
        const at = lowerBoundFrom(sorted, key, 1, lo, hi);
        if (prefix) {
          let end = at;
          while (end < hi && startsWithFrom(sorted[end] as string, key, 1)) end++;
          if (end > at) ranges.push(at, end);
        } else if (at < hi && compareFrom(sorted[at] as string, key, 1) === 0) ranges.push(at, at + 1);
      }
    }
    // The union of the ranges in ascending order, until the cap: first in lexicographic order win.
    const order = Array.from({ length: ranges.length / 2 }, (_, r) => r).sort(
      (a, b) => (ranges[2 * a] as number) - (ranges[2 * b] as number),
    );
    let cursor = 0;
    for (const r of order) {
      const hi = ranges[2 * r + 1] as number;
      for (
        let index = Math.max(ranges[2 * r] as number, cursor);
        index < hi && two < MAX_TWO_TYPO_DERIVATIONS;
        index++
      ) {
        if (!accept(index)) continue;
        out.push({ index, typos: 2 });
        two++;
      }
      cursor = Math.max(cursor, hi);
      if (two >= MAX_TWO_TYPO_DERIVATIONS) break;
    }
  }
  return out;
}
