// The global order of hits coming from different shards, as one node would rank them. Without
// sort it is `_rankingScore` (weighted by the semantic ratio in hybrid search, as milli's hybrid
// merge does); with sort or custom sort rules it walks `_rankingScoreDetails` rule by rule, which
// is how the bucket sort ranks (relevancy rules before `sort` in rankingRules come first).
import { miroirError } from '#core/errors.ts';
import {
  compareSortValues,
  documentGeoDistance,
  documentSortValue,
  parseSort,
  type SortCriterion,
  type SortValue,
} from './sort-values.ts';
import { DEFAULT_SEMANTIC_RATIO, type Hit, type MergeContext, type SearchRequest } from './types.ts';

type KeyPart =
  | { readonly t: 'score'; readonly v: number }
  | { readonly t: 'sort'; readonly asc: boolean; readonly v: SortValue }
  | { readonly t: 'geo'; readonly asc: boolean; readonly d: number | null };

/** The rank of one hit: its (weighted) global score, and rule-by-rule parts when sorting. */
export interface RankKey {
  readonly score: number;
  readonly parts: readonly KeyPart[] | undefined;
  readonly semantic: boolean;
}

// milli compares scores within f64::EPSILON (search/hybrid.rs, federated/weighted_scores.rs).
const EPSILON = Number.EPSILON;

const CUSTOM_SORT_RULE = /:(asc|desc)$/;

/** Whether ranking needs `_rankingScoreDetails` from the nodes (sort values, hybrid sources). */
export function needsScoreDetails(request: SearchRequest, ctx: MergeContext): boolean {
  return isSortOrdered(request, ctx) || isHybrid(request);
}

/** Sort values take part in the order: a `sort` parameter, or custom `field:asc|desc` rules. */
function isSortOrdered(request: SearchRequest, ctx: MergeContext): boolean {
  return (
    (request.sort?.length ?? 0) > 0 || (ctx.rankingRules ?? []).some((rule) => CUSTOM_SORT_RULE.test(rule))
  );
}

export function isHybrid(request: SearchRequest): boolean {
  return request.hybrid !== undefined && request.hybrid !== null;
}

/** Whether a hit came from the semantic side of a hybrid search. */
export function isSemanticHit(hit: Hit): boolean {
  if (typeof hit._semanticScore === 'number') return true;
  const details = hit._rankingScoreDetails;
  return typeof details === 'object' && details !== null && Object.hasOwn(details, 'vectorSort');
}

function detailsParts(details: Record<string, unknown>, weight: number): KeyPart[] {
  // Runs for every hit walked in a sorted merge: plain loops, and no sort when the rules come
  // in order already (nodes write them in rule order).
  const names: string[] = [];
  const rules: Record<string, unknown>[] = [];
  let inOrder = true;
  let lastOrder = Number.NEGATIVE_INFINITY;
  for (const name in details) {
    if (!Object.hasOwn(details, name)) continue;
    const value = details[name];
    if (typeof value !== 'object' || value === null) continue;
    const order = (value as Record<string, unknown>).order;
    if (typeof order !== 'number') continue;
    if (!(order >= lastOrder)) inOrder = false;
    lastOrder = order;
    names.push(name);
    rules.push(value as Record<string, unknown>);
  }
  if (!inOrder) sortByOrder(names, rules);
  const parts: KeyPart[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const rule = rules[i] as Record<string, unknown>;
    if (name === 'skipped') {
      parts.push({ t: 'score', v: 0 });
    } else if (name === 'vectorSort') {
      parts.push({ t: 'score', v: (typeof rule.similarity === 'number' ? rule.similarity : 0) * weight });
    } else if (name.startsWith('<hidden-rule-')) {
      // A sort on a non-displayed field: its value is redacted, so it cannot separate hits.
      parts.push({ t: 'sort', asc: true, v: null });
    } else if (CUSTOM_SORT_RULE.test(name)) {
      const asc = name.endsWith(':asc');
      if (name.startsWith('_geoPoint(')) {
        parts.push({ t: 'geo', asc, d: typeof rule.distance === 'number' ? rule.distance : null });
      } else {
        const value = rule.value;
        parts.push({
          t: 'sort',
          asc,
          v: typeof value === 'number' || typeof value === 'string' ? value : null,
        });
      }
    } else if (typeof rule.score === 'number') {
      parts.push({ t: 'score', v: rule.score * weight });
    }
  }
  return parts;
}

/** Sorts the rules (and their names alongside) by `order`, stably, as Array.prototype.sort does. */
function sortByOrder(names: string[], rules: Record<string, unknown>[]): void {
  const pairs = names.map((name, i) => [name, rules[i] as Record<string, unknown>] as const);
  pairs.sort((a, b) => (a[1].order as number) - (b[1].order as number));
  pairs.forEach(([name, rule], i) => {
    names[i] = name;
    rules[i] = rule;
  });
}

function documentParts(hit: Hit, criteria: readonly SortCriterion[], score: number): KeyPart[] {
  const parts: KeyPart[] = criteria.map((criterion) =>
    criterion.kind === 'geo'
      ? { t: 'geo', asc: criterion.asc, d: documentGeoDistance(hit, criterion) }
      : { t: 'sort', asc: criterion.asc, v: documentSortValue(hit, criterion) },
  );
  // Without details the relevancy rules' place among the sort rules is unknown: sort first
  // matches placeholder searches and indexes whose first rule is `sort`.
  parts.push({ t: 'score', v: score });
  return parts;
}

export interface HitRanker {
  /** The rank key of a hit of shard `shard`; a hit without `_rankingScore` is a bad node answer. */
  readonly key: (hit: Hit, shard: number) => RankKey;
  /** Negative when `a` ranks before `b`, 0 on a tie (the caller breaks ties). */
  readonly compare: (a: RankKey, b: RankKey) => number;
  /**
   * When the (weighted) score alone orders hits: the score `key` would carry, without building
   * the key. Ordering by it with `compareScores` equals ordering by `key` with `compare`.
   */
  readonly score: ((hit: Hit, shard: number) => number) | null;
}

/** `weight` multiplies every score, as a federated query weight does. */
export function createHitRanker(request: SearchRequest, ctx: MergeContext, weight = 1): HitRanker {
  const criteria = parseSort(request.sort);
  const hybrid = isHybrid(request);
  const ratio = request.hybrid?.semanticRatio ?? DEFAULT_SEMANTIC_RATIO;
  // Without sort values the global score alone orders hits: milli coalesces consecutive
  // relevancy rules into one score, so comparing rule by rule would differ in hybrid search.
  const ordered = isSortOrdered(request, ctx);

  const scoreOf = (hit: Hit, shard: number): number => {
    // milli's hybrid merge weighs semantic hits by the ratio and keyword hits by 1 - ratio.
    const sideWeight = hybrid ? (isSemanticHit(hit) ? ratio : 1 - ratio) : 1;
    return rawScore(hit, shard) * sideWeight * weight;
  };

  return {
    key: (hit, shard) => {
      const raw = rawScore(hit, shard);
      const semantic = hybrid && isSemanticHit(hit);
      const sideWeight = hybrid ? (semantic ? ratio : 1 - ratio) : 1;
      const score = raw * sideWeight * weight;
      if (!ordered) return { score, parts: undefined, semantic };
      const details = hit._rankingScoreDetails;
      const parts =
        typeof details === 'object' && details !== null
          ? detailsParts(details as Record<string, unknown>, sideWeight * weight)
          : documentParts(hit, criteria, score);
      return { score, parts, semantic };
    },
    compare: (a, b) => {
      if (a.parts === undefined || b.parts === undefined) return compareScores(a.score, b.score);
      return compareParts(a, b);
    },
    score: ordered ? null : scoreOf,
  };
}

/** A hit's `_rankingScore` (`_semanticScore` for old nodes); a hit without one is a bad node answer. */
function rawScore(hit: Hit, shard: number): number {
  const raw = typeof hit._rankingScore === 'number' ? hit._rankingScore : hit._semanticScore;
  if (typeof raw !== 'number' || Number.isNaN(raw)) {
    throw miroirError(
      'remote_bad_response',
      `The node answering for shard ${shard} returned a hit without a numeric \`_rankingScore\`.`,
    );
  }
  return raw;
}

/** Scores within f64::EPSILON tie; a higher score ranks first. */
export function compareScores(a: number, b: number): number {
  if (Math.abs(a - b) <= EPSILON) return 0;
  return a > b ? -1 : 1;
}

function compareParts(a: RankKey, b: RankKey): number {
  const left = a.parts ?? [];
  const right = b.parts ?? [];
  const n = Math.min(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const x = left[i] as KeyPart;
    const y = right[i] as KeyPart;
    let order: number;
    if (x.t === 'score' && y.t === 'score') {
      order = compareScores(x.v, y.v);
    } else if (x.t === 'sort' && y.t === 'sort') {
      order = x.asc === y.asc ? compareSortValues(x.asc, x.v, y.v) : compareScores(a.score, b.score);
    } else if (x.t === 'geo' && y.t === 'geo') {
      order = x.asc === y.asc ? compareDistances(x.asc, x.d, y.d) : 0;
    } else {
      // Rules of different kinds at the same place (mixed node versions): fall back on the score.
      return compareScores(a.score, b.score);
    }
    if (order !== 0) return order;
  }
  // The key with more rules left ranks first, as in Meilisearch's weighted score comparison.
  return right.length - left.length;
}

function compareDistances(asc: boolean, a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (Math.abs(a - b) <= EPSILON) return 0;
  return asc ? (a < b ? -1 : 1) : a > b ? -1 : 1;
}
