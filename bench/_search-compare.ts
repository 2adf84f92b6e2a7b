// Compares a Miroir answer with the answer of one node holding every document, as the correctness
// contract states it: same hits in the same order (hits of equal rank may come in another order,
// so runs of equal rank compare as sets; a run cut by the page end compares by size), the same
// totals, facet counts and stats. Returns the kinds of disagreement found (empty when they agree).
// Shared by the fidelity bench and the query integration tests (benches do not import tests).
export type Body = Record<string, unknown>;

export type Disagreement =
  | 'hits'
  | 'order'
  | 'tieBoundary'
  | 'totals'
  | 'facetDistribution'
  | 'facetStats'
  | 'pagination'
  | 'reservedField'
  | 'shape';

/** Tie-boundary differences are allowed by the contract; every other kind is a real disagreement. */
export const ALLOWED: ReadonlySet<Disagreement> = new Set(['tieBoundary']);

function hitsOf(body: Body): Body[] {
  return Array.isArray(body.hits) ? (body.hits as Body[]) : [];
}

function rankKey(hit: Body, sortFields: readonly string[]): string {
  const score = typeof hit._rankingScore === 'number' ? hit._rankingScore.toFixed(12) : '';
  return JSON.stringify([score, ...sortFields.map((field) => hit[field] ?? null)]);
}

function runsOf(
  hits: readonly Body[],
  key: (hit: Body) => string,
  id: (hit: Body) => string,
): { key: string; ids: string[] }[] {
  const runs: { key: string; ids: string[] }[] = [];
  for (const hit of hits) {
    const k = key(hit);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.key === k) last.ids.push(id(hit));
    else runs.push({ key: k, ids: [id(hit)] });
  }
  return runs;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((item) => set.has(item));
}

function hasReserved(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasReserved);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, child]) => key.startsWith('_miroir_') || hasReserved(child));
}

export function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable((value as Body)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hit-list comparison shared by search and federated search. */
export function compareHits(
  miroir: readonly Body[],
  single: readonly Body[],
  primaryKey: string,
  sortFields: readonly string[],
  pageStartsInside = true,
): Disagreement[] {
  const id = (hit: Body): string => JSON.stringify(hit[primaryKey] ?? hit);
  const key = (hit: Body): string => rankKey(hit, sortFields);
  if (miroir.length !== single.length) return ['hits'];
  const a = runsOf(miroir, key, id);
  const b = runsOf(single, key, id);
  if (
    a.length !== b.length ||
    a.some((run, i) => run.key !== b[i]?.key || run.ids.length !== b[i]?.ids.length)
  ) {
    return sameSet(miroir.map(id), single.map(id)) ? ['order'] : ['hits'];
  }
  const out: Disagreement[] = [];
  a.forEach((run, i) => {
    const other = b[i] as { ids: string[] };
    if (sameSet(run.ids, other.ids)) return;
    // A run cut by either end of the page may hold other members of the same tie.
    out.push(i === a.length - 1 || (i === 0 && pageStartsInside) ? 'tieBoundary' : 'hits');
  });
  return [...new Set(out)];
}

/** A single-index search answer (or one result of a multi-search). */
export function compareSearch(
  miroir: Body,
  single: Body,
  primaryKey: string,
  sortFields: readonly string[] = [],
): Disagreement[] {
  const out: Disagreement[] = [];
  if (!Array.isArray(miroir.hits)) return ['shape'];
  if (hasReserved(miroir)) out.push('reservedField');
  out.push(...compareHits(hitsOf(miroir), hitsOf(single), primaryKey, sortFields));
  if (
    miroir.estimatedTotalHits !== single.estimatedTotalHits ||
    miroir.totalHits !== single.totalHits ||
    miroir.totalPages !== single.totalPages
  )
    out.push('totals');
  for (const field of ['limit', 'offset', 'page', 'hitsPerPage', 'query'] as const) {
    if (miroir[field] !== single[field]) {
      out.push('pagination');
      break;
    }
  }
  if (stable(miroir.facetDistribution) !== stable(single.facetDistribution)) out.push('facetDistribution');
  if (stable(miroir.facetStats) !== stable(single.facetStats)) out.push('facetStats');
  const keys = (body: Body) =>
    Object.keys(body)
      .filter((key) => key !== 'processingTimeMs' && key !== 'requestUid')
      .join(',');
  if (keys(miroir) !== keys(single) && !out.includes('shape')) {
    // Key sets (and order) must match Meilisearch's response shape.
    const a = new Set(Object.keys(miroir));
    const b = new Set(Object.keys(single));
    if (
      [...a].some((key) => !b.has(key) && key !== 'requestUid') ||
      [...b].some((key) => !a.has(key) && key !== 'requestUid')
    )
      out.push('shape');
  }
  return out;
}
