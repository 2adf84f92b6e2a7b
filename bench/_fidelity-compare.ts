// Compares a server's answer with a reference Meilisearch answer to the same request, by the rules
// of the recorded transcripts (test/fixtures/conformance/README.md): hits with equal `_rankingScore`
// and equal sort values form a tie whose inner order is free and which, where it crosses the
// page's edge, may hold another subset; everything else is compared exactly, except the timing
// fields. A difference is named by a short kind (`hits`, `totals`, `_formatted`, ...) so that a
// run can count what differs most.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ConformanceRequest {
  method: string;
  path: string;
  body?: unknown;
}

export interface ConformanceAnswer {
  status: number;
  body: unknown;
}

export interface ConformanceVerdict {
  agree: boolean;
  /** Kinds of difference, each once, in the order found. */
  kinds: string[];
  /** One short line per kind: where it differs and the two values. */
  details: string[];
}

export interface CompareOptions {
  /** Field naming a hit (default `id`); hits without it are named by their whole content. */
  primaryKey?: string;
}

/** Fields that change on every call and say nothing about the answer. */
const VOLATILE = new Set(['processingTimeMs', 'requestUid']);

/** Top-level answer fields grouped under one kind, so counts read by concern. */
const FIELD_KIND: Record<string, string> = {
  estimatedTotalHits: 'totals',
  totalHits: 'totals',
  totalPages: 'totals',
  total: 'totals',
  facetDistribution: 'facets',
  facetStats: 'facetStats',
  facetHits: 'facetHits',
  results: 'documents',
  query: 'params',
  limit: 'params',
  offset: 'params',
  page: 'params',
  hitsPerPage: 'params',
  facetQuery: 'params',
  indexUid: 'params',
};

/** Hit fields that Meilisearch adds, each its own kind; any other field is `hits.fields`. */
const HIT_EXTRA_KINDS = new Set([
  '_rankingScore',
  '_rankingScoreDetails',
  '_formatted',
  '_matchesPosition',
  '_federation',
]);

class Findings {
  readonly kinds: string[] = [];
  readonly details: string[] = [];
  add(kind: string, detail: string): void {
    if (this.kinds.includes(kind)) return;
    this.kinds.push(kind);
    this.details.push(`${kind}: ${detail}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON equality; object key order is not part of a JSON value. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** A short rendering of a value for a detail line. */
export function brief(value: unknown, max = 120): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The first path inside two values where they differ, with both sides. */
function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path || '.'} length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i += 1)
      if (!jsonEqual(a[i], b[i])) return firstDifference(a[i], b[i], `${path}[${i}]`);
  }
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      if (!jsonEqual(a[k], b[k])) return firstDifference(a[k], b[k], `${path}.${k}`);
  }
  return `${path || '.'} ${brief(a)} vs ${brief(b)}`;
}

function withoutVolatile(body: unknown): Record<string, unknown> | undefined {
  if (!isObject(body)) return undefined;
  return Object.fromEntries(Object.entries(body).filter(([k]) => !VOLATILE.has(k)));
}

/** Compares one answer with the reference answer to the same request. */
export function compareAnswers(
  request: ConformanceRequest,
  expected: ConformanceAnswer,
  actual: ConformanceAnswer,
  opts: CompareOptions = {},
): ConformanceVerdict {
  const found = new Findings();
  const primaryKey = opts.primaryKey ?? 'id';
  if (expected.status !== actual.status) {
    const code = (b: unknown): string => (isObject(b) && typeof b.code === 'string' ? ` (${b.code})` : '');
    found.add('status', `${expected.status}${code(expected.body)} vs ${actual.status}${code(actual.body)}`);
  } else if (expected.status >= 400) {
    compareError(expected.body, actual.body, found);
  } else {
    const path = request.path.split('?')[0] ?? '';
    const body = isObject(request.body) ? request.body : {};
    if (path === '/multi-search') compareMultiSearch(body, expected.body, actual.body, primaryKey, found);
    else if (/^\/indexes\/[^/]+\/search$/.test(path))
      compareSearch(body, expected.body, actual.body, primaryKey, found);
    else if (/\/stats$/.test(path)) compareWhole('stats', expected.body, actual.body, found);
    else if (/\/settings(\/|$)/.test(path)) compareWhole('settings', expected.body, actual.body, found);
    else compareFields(withoutVolatile(expected.body), withoutVolatile(actual.body), found);
  }
  return { agree: found.kinds.length === 0, kinds: found.kinds, details: found.details };
}

function compareError(expected: unknown, actual: unknown, found: Findings): void {
  const e = isObject(expected) ? expected : {};
  const a = isObject(actual) ? actual : {};
  for (const key of ['code', 'type', 'message', 'link'])
    if (!jsonEqual(e[key], a[key]))
      found.add(`error.${key}`, `${brief(e[key], 200)} vs ${brief(a[key], 200)}`);
}

function compareWhole(kind: string, expected: unknown, actual: unknown, found: Findings): void {
  const e = withoutVolatile(expected) ?? expected;
  const a = withoutVolatile(actual) ?? actual;
  if (!jsonEqual(e, a)) found.add(kind, firstDifference(e, a));
}

/** Every top-level field but `hits` (compared by the caller) and `facetDistribution` (order-aware). */
function compareFields(
  e: Record<string, unknown> | undefined,
  a: Record<string, unknown> | undefined,
  found: Findings,
  skip: ReadonlySet<string> = new Set(),
): void {
  if (e === undefined || a === undefined) {
    if (!jsonEqual(e, a)) found.add('body', `${brief(e)} vs ${brief(a)}`);
    return;
  }
  for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
    if (skip.has(key)) continue;
    if (key === 'facetDistribution') compareFacets(e[key], a[key], found);
    else if (!jsonEqual(e[key], a[key]))
      found.add(FIELD_KIND[key] ?? key, firstDifference(e[key], a[key], `.${key}`));
  }
}

/** Facet values are counts, compared exactly; their order is what a client lists, so it counts too. */
function compareFacets(e: unknown, a: unknown, found: Findings): void {
  if (!jsonEqual(e, a)) {
    found.add('facets', firstDifference(e, a, '.facetDistribution'));
    return;
  }
  if (!isObject(e) || !isObject(a)) return;
  for (const facet of Object.keys(e)) {
    const ev = e[facet];
    const av = a[facet];
    if (!isObject(ev) || !isObject(av)) continue;
    const eo = Object.keys(ev).join(',');
    const ao = Object.keys(av).join(',');
    if (eo !== ao)
      found.add('facets.order', `.facetDistribution.${facet} keys ${brief(eo, 80)} vs ${brief(ao, 80)}`);
  }
}

function compareMultiSearch(
  body: Record<string, unknown>,
  expected: unknown,
  actual: unknown,
  primaryKey: string,
  found: Findings,
): void {
  const queries = Array.isArray(body.queries) ? body.queries : [];
  if (isObject(body.federation)) {
    compareSearch({ ...body.federation, sort: undefined }, expected, actual, primaryKey, found);
    return;
  }
  const e = isObject(expected) && Array.isArray(expected.results) ? expected.results : [];
  const a = isObject(actual) && Array.isArray(actual.results) ? actual.results : [];
  if (e.length !== a.length) {
    found.add('results', `${e.length} vs ${a.length} results`);
    return;
  }
  e.forEach((answer, i) => {
    const query = queries[i];
    compareSearch(isObject(query) ? query : {}, answer, a[i], primaryKey, found);
  });
}

/** What a page of hits is cut from: its size and whether hits come before it. */
function pageOf(body: Record<string, unknown>): { size: number; startsInside: boolean } {
  const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
  if (body.page !== undefined || body.hitsPerPage !== undefined)
    return { size: num(body.hitsPerPage, 20), startsInside: num(body.page, 1) > 1 };
  return { size: num(body.limit, 20), startsInside: num(body.offset, 0) > 0 };
}

function valueAt(doc: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(doc, path)) return doc[path];
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/**
 * The tie key of a hit: its ranking score (federated: weighted score) and its sort values, or
 * undefined when the answer shows no score, where no tie can be told apart from an ordering.
 */
function tieKey(hit: Record<string, unknown>, sort: readonly string[]): string | undefined {
  const federation = isObject(hit._federation) ? hit._federation : {};
  const score = hit._rankingScore ?? federation.weightedRankingScore;
  if (typeof score !== 'number') return undefined;
  const details = isObject(hit._rankingScoreDetails) ? hit._rankingScoreDetails : {};
  const values = sort.map((rule) => {
    if (rule.startsWith('_geoPoint(')) return hit._geoDistance;
    const field = rule.replace(/:(asc|desc)$/, '');
    const shown = valueAt(hit, field);
    if (shown !== undefined) return shown;
    const detail = details[rule];
    return isObject(detail) ? detail.value : undefined;
  });
  return JSON.stringify([score, ...values]);
}

function hitName(hit: Record<string, unknown>, primaryKey: string): string {
  const id = hit[primaryKey];
  if (typeof id === 'string' || typeof id === 'number') return JSON.stringify(id);
  return JSON.stringify(Object.fromEntries(Object.entries(hit).filter(([k]) => !k.startsWith('_'))));
}

function compareSearch(
  body: Record<string, unknown>,
  expected: unknown,
  actual: unknown,
  primaryKey: string,
  found: Findings,
): void {
  const e = withoutVolatile(expected);
  const a = withoutVolatile(actual);
  compareFields(e, a, found, new Set(['hits']));
  const eh = e !== undefined && Array.isArray(e.hits) ? e.hits.filter(isObject) : [];
  const ah = a !== undefined && Array.isArray(a.hits) ? a.hits.filter(isObject) : [];
  const sort = Array.isArray(body.sort) ? body.sort.filter((s): s is string => typeof s === 'string') : [];
  compareHits(eh, ah, sort, pageOf(body), primaryKey, found);
}

/** The tie-aware comparison of two pages of hits (see the module comment). */
function compareHits(
  expected: ReadonlyArray<Record<string, unknown>>,
  actual: ReadonlyArray<Record<string, unknown>>,
  sort: readonly string[],
  page: { size: number; startsInside: boolean },
  primaryKey: string,
  found: Findings,
): void {
  if (expected.length !== actual.length) {
    found.add('hits', `${expected.length} vs ${actual.length} hits`);
    return;
  }
  // Ties are runs of equal keys in the reference order; a hit without a score is its own run.
  const groupOf: number[] = [];
  const groupKey: Array<string | undefined> = [];
  expected.forEach((hit, i) => {
    const key = tieKey(hit, sort);
    const prev = groupKey.length - 1;
    if (i > 0 && key !== undefined && key === groupKey[prev]) groupOf.push(prev);
    else {
      groupKey.push(key);
      groupOf.push(groupKey.length - 1);
    }
  });
  const lastGroup = groupKey.length - 1;
  const touchesEdge = (g: number): boolean =>
    (g === 0 && page.startsInside) || (g === lastGroup && expected.length === page.size && page.size > 0);
  const byName = new Map(expected.map((hit, i) => [hitName(hit, primaryKey), i]));
  actual.forEach((hit, j) => {
    const slot = groupOf[j] ?? -1;
    const i = byName.get(hitName(hit, primaryKey));
    if (i === undefined) {
      // Another member of a tie crossing the page's edge is as good as the one recorded.
      const key = tieKey(hit, sort);
      if (!(touchesEdge(slot) && key !== undefined && key === groupKey[slot]))
        found.add(
          'hits',
          `hit ${j} ${hitName(hit, primaryKey)} (key ${key ?? 'none'}) is not in the reference page`,
        );
      return;
    }
    const ref = expected[i] as Record<string, unknown>;
    compareHit(ref, hit, `hit ${hitName(hit, primaryKey)}`, found);
    if (groupOf[i] !== slot && tieKey(ref, sort) === tieKey(hit, sort))
      found.add('hits.order', `${hitName(hit, primaryKey)} at ${j}, reference at ${i}`);
  });
}

function compareHit(
  e: Record<string, unknown>,
  a: Record<string, unknown>,
  where: string,
  found: Findings,
): void {
  for (const key of new Set([...Object.keys(e), ...Object.keys(a)])) {
    if (jsonEqual(e[key], a[key])) continue;
    const kind = HIT_EXTRA_KINDS.has(key) ? key : 'hits.fields';
    found.add(kind, `${where}: ${firstDifference(e[key], a[key], key)}`);
  }
}
