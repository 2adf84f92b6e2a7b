// One search, end to end: filter -> query matching (matching strategy steps) -> bucket-sort-style
// ranking (cheap rules over every candidate, costly rules only for the buckets a page needs) ->
// distinct / score threshold -> hits with formatting, scores and details, facets, pagination.
import type { MemoryIndexEngine } from './engine.ts';
import type { FacetCountIndex } from './facet-values.ts';
import { haversineMeters } from '#core/filter/evaluate.ts';
import { facetDistribution, facetOrder, searchFacetValues } from './facets.ts';
import { fieldMatchesPattern, projectDocument } from './fields.ts';
import { isFilterable } from './filter.ts';
import {
  formatDocument,
  matchesPosition,
  NO_QUERY_WORDS,
  type MatchingPhrase,
  type MatchingTerm,
  type QueryWords,
} from './format.ts';
import { geoPoint, haversine } from './geo.ts';
import {
  FLAG_EXACT,
  FLAG_PREFIX,
  FLAG_SYNONYM,
  QueryMatcher,
  type ScratchPool,
  type TermMatch,
} from './matcher.ts';
import { POSITION_BITS } from './word-index.ts';
import { normalizeWord } from './normalize.ts';
import { parseQuery, typoBudget, type ParsedQuery } from './query.ts';
import { DocRanker, globalScore, type DocEvaluation, type Rank } from './ranker.ts';
import { resolveRules, type ResolvedRule } from './rules.ts';
import { MISSING_KEY, parseGeoSort } from './sort-keys.ts';
import {
  EngineError,
  type Document,
  type FacetSearchRequest,
  type FacetSearchResponse,
  type SearchRequest,
  type SearchResponse,
} from './types.ts';

const PACK = 8_388_608; // 2^23: room for the index of a candidate in a packed sort key

/** A sort criterion (request `sort` entry or `field:asc` ranking rule) resolved to per-slot keys. */
interface SortCriterion {
  label: string;
  /** Integer key per slot, lower first (< 2^29). */
  key: (doc: number) => number;
  detail: (doc: number) => Record<string, unknown>;
  geo?: [number, number];
}

interface PlannedRule {
  rule: ResolvedRule;
  /** For `sort`: the request's criteria; for fieldSort: one criterion. */
  criteria: SortCriterion[];
}

function sortableError(engine: MemoryIndexEngine, field: string): EngineError {
  const list = engine.settings.sortableAttributes;
  const tail =
    list.length === 0
      ? 'This index does not have configured sortable attributes.'
      : `Available sortable attributes are: \`${list.join(', ')}\`.`;
  return new EngineError(
    'invalid_search_sort',
    `${engine.errorPrefix}Attribute \`${field}\` is not sortable. ${tail}`,
  );
}

function isSortable(engine: MemoryIndexEngine, field: string): boolean {
  return engine.settings.sortableAttributes.some((a) => fieldMatchesPattern(field, a));
}

function fieldCriterion(engine: MemoryIndexEngine, field: string, ascending: boolean): SortCriterion {
  const keys = engine.sortKeys(field);
  const arr = ascending ? keys.asc : keys.desc;
  return {
    label: `${field}:${ascending ? 'asc' : 'desc'}`,
    key: (doc) => {
      const k = arr[doc] ?? MISSING_KEY;
      return k === MISSING_KEY ? 536_870_911 : k;
    },
    detail: (doc) => ({ value: keys.value(doc, ascending) }),
  };
}

function requestCriteria(engine: MemoryIndexEngine, sort: string[] | null): SortCriterion[] {
  if (!sort || sort.length === 0) return [];
  if (!engine.settings.rankingRules.includes('sort')) {
    throw new EngineError(
      'invalid_search_sort',
      `${engine.errorPrefix}You must specify where \`sort\` is listed in the rankingRules setting to use the sort parameter at search time.`,
    );
  }
  return sort.map((entry) => {
    if (entry.startsWith('_geoPoint(')) {
      const geo = parseGeoSort(entry);
      if (!geo)
        throw new EngineError(
          'invalid_search_sort',
          `Invalid syntax for the geo parameter: expected expression ending by \`:asc\` or \`:desc\`, found \`${entry}\`.`,
        );
      if (!isSortable(engine, '_geo')) throw sortableError(engine, '_geo');
      const target: [number, number] = [geo.lat, geo.lng];
      const docs = engine.store.docs;
      const distance = (doc: number): number | null => {
        const p = geoPoint(docs[doc] as Document);
        return p ? haversine(target, p) : null;
      };
      return {
        label: `_geoPoint(${geo.lat}, ${geo.lng}):${geo.ascending ? 'asc' : 'desc'}`,
        geo: target,
        // Metre resolution keeps the key an integer (Earth's circumference < 2^26 m).
        key: (doc) => {
          const d = distance(doc);
          if (d === null) return 2 ** 27;
          return geo.ascending ? Math.round(d) : 2 ** 26 - Math.round(d);
        },
        detail: (doc) => {
          const p = geoPoint(docs[doc] as Document);
          // milli's distance_between_two_points: geoutils haversine, in metres to the millimetre.
          return {
            value: p ? { lat: p[0], lng: p[1] } : null,
            distance: p ? haversineMeters(target, p) : null,
          };
        },
      };
    }
    const m = /^(.+):(asc|desc)$/.exec(entry);
    // Syntax errors come before the index is read: Meilisearch gives them without the index prefix.
    if (!m)
      throw new EngineError(
        'invalid_search_sort',
        `Invalid syntax for the sort parameter: expected expression ending by \`:asc\` or \`:desc\`, found \`${entry}\`.`,
      );
    const field = m[1] as string;
    if (['_geoDistance', '_geo', '_geoRadius', '_geoBoundingBox', '_geoPolygon'].includes(field)) {
      throw new EngineError(
        'invalid_search_sort',
        `\`${field}\` is a reserved keyword and thus can't be used as a sort expression. Use the _geoPoint(latitude, longitude) built-in rule to sort on _geo field coordinates.`,
      );
    }
    if (!isSortable(engine, field)) throw sortableError(engine, field);
    return fieldCriterion(engine, field, m[2] === 'asc');
  });
}

function planRules(
  engine: MemoryIndexEngine,
  rules: ResolvedRule[],
  criteria: SortCriterion[],
): PlannedRule[] {
  return rules.map((rule) => {
    if (rule.kind === 'sort') return { rule, criteria };
    if (rule.kind === 'fieldSort')
      return { rule, criteria: [fieldCriterion(engine, rule.field as string, rule.ascending as boolean)] };
    return { rule, criteria: [] };
  });
}

function isCheap(p: PlannedRule): boolean {
  return (
    p.rule.kind === 'words' || p.rule.kind === 'typo' || p.rule.kind === 'sort' || p.rule.kind === 'fieldSort'
  );
}

/** Key ranges up to this size are sorted by counting (linear), wider ones by a typed-array sort. */
const COUNTING_RANGE = 4096;

/** Stable sort of `order` by integer keys (< 2^29, parallel to `order`); returns both, permuted. */
function sortByKeys(order: Int32Array, keys: Float64Array): [Int32Array, Float64Array] {
  const n = order.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = keys[i] as number;
    if (k < min) min = k;
    if (k > max) max = k;
  }
  if (n < 2 || min === max) return [order, keys];
  const out = new Int32Array(n);
  const outKeys = new Float64Array(n);
  if (max - min < COUNTING_RANGE) {
    const counts = new Int32Array(max - min + 2);
    for (let i = 0; i < n; i++) {
      const c = (keys[i] as number) - min + 1;
      counts[c] = (counts[c] as number) + 1;
    }
    for (let k = 1; k < counts.length; k++) counts[k] = (counts[k] as number) + (counts[k - 1] as number);
    for (let i = 0; i < n; i++) {
      const c = (keys[i] as number) - min;
      const at = counts[c] as number;
      counts[c] = at + 1;
      out[at] = order[i] as number;
      outKeys[at] = keys[i] as number;
    }
    return [out, outKeys];
  }
  // Packed float keys (key, then position) sort stably in one typed sort.
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (keys[i] as number) * PACK + i;
  packed.sort();
  for (let i = 0; i < n; i++) {
    const from = (packed[i] as number) % PACK;
    out[i] = order[from] as number;
    outKeys[i] = keys[from] as number;
  }
  return [out, outKeys];
}

/** Matching strategy steps: the term sets tried in turn, all terms first. */
function strategySteps(
  parsed: ParsedQuery,
  matches: TermMatch[],
  strategy: SearchRequest['matchingStrategy'],
): number[][] {
  const all = parsed.terms.map((_, i) => i);
  if (strategy === 'all') return [all];
  // Phrases are never dropped (milli's removal_order_for_terms_matching_strategy); while one
  // stays, every other term can go, else the last group (first term, or rarest terms) stays.
  const droppable = all.filter((i) => !(parsed.terms[i] as { phrase: boolean }).phrase);
  const keepsLast = droppable.length === all.length;
  const groups: number[][] = [];
  if (strategy === 'last') {
    // Later terms go first, one per step.
    const first = keepsLast ? 1 : 0;
    for (let i = droppable.length - 1; i >= first; i--) groups.push([droppable[i] as number]);
  } else {
    const byCount = new Map<number, number[]>();
    for (const i of droppable) {
      const n = (matches[i] as TermMatch).docs.length;
      byCount.set(n, [...(byCount.get(n) ?? []), i]);
    }
    // Terms matching nothing go first, then the most frequent; the rarest group always stays.
    const counts = [...byCount.keys()].sort((a, b) => (a === 0 ? -1 : b === 0 ? 1 : b - a));
    for (const c of keepsLast ? counts.slice(0, -1) : counts) groups.push(byCount.get(c) as number[]);
  }
  const steps: number[][] = [all];
  let current = all;
  for (const g of groups) {
    current = current.filter((t) => !g.includes(t));
    steps.push(current);
  }
  return steps;
}

/** Fills `out` with one level's ordering key for each document of a group. */
type LevelKeys = (group: Int32Array, out: Float64Array) => void;

function criterionLevel(c: SortCriterion): LevelKeys {
  return (group, out) => {
    for (let x = 0; x < group.length; x++) out[x] = c.key(group[x] as number);
  };
}

/** Levels of the cheap rules before the first costly one; words and typo are left out when they
 *  cannot split anything (a single words step, no typo derivation matched). */
function cheapLevels(
  planned: PlannedRule[],
  ranker: DocRanker | null,
  step: Uint8Array | null,
  ruleOfLevel: number[],
): LevelKeys[] {
  const levels: LevelKeys[] = [];
  for (const [index, p] of planned.entries()) {
    const before = levels.length;
    if (p.rule.kind === 'words') {
      if (ranker && step && ranker.stepCount > 1) {
        levels.push((group, out) => {
          for (let x = 0; x < group.length; x++) out[x] = step[group[x] as number] as number;
        });
      }
    } else if (p.rule.kind === 'typo') {
      if (ranker && step && ranker.hasTypos())
        levels.push((group, out) => ranker.typoCountsInto(group, step, out));
    } else for (const c of p.criteria) levels.push(criterionLevel(c));
    for (let l = before; l < levels.length; l++) ruleOfLevel.push(index);
  }
  return levels;
}

/** Ordering keys of the costly rules, one level per relevancy rule or sort criterion, per document
 *  (`step` = the document's words step); rules that cannot tell documents apart for this query
 *  (no adjacent pair, `*` searchable) are skipped. */
function costlyLevels(
  planned: PlannedRule[],
  ranker: DocRanker | null,
  step: Uint8Array | null,
  ruleOfLevel: number[],
  firstIndex: number,
): LevelKeys[] {
  const levels: LevelKeys[] = [];
  for (const [i, p] of planned.entries()) {
    if (p.criteria.length > 0) {
      for (const c of p.criteria) {
        levels.push(criterionLevel(c));
        ruleOfLevel.push(firstIndex + i);
      }
      continue;
    }
    // A `sort` rule without request criteria orders nothing.
    if (!ranker || !step || p.rule.kind === 'sort' || ranker.isConstant(p.rule)) continue;
    levels.push((group, out) => ranker.levelCosts(group, step, p.rule, out));
    ruleOfLevel.push(firstIndex + i);
  }
  return levels;
}

interface Universe {
  /** Candidate internal ids, ascending. */
  ids: Int32Array;
  /** Words step per slot (only meaningful for candidates). */
  step: Uint8Array | null;
}

function liveBitmap(engine: MemoryIndexEngine, request: SearchRequest): Uint8Array | null {
  if (request.filter === null) return null;
  const buffer = engine.scratch.acquireBytes(engine.store.docs.length);
  try {
    return engine.filterBitmap(request.filter, 'invalid_search_filter', buffer);
  } catch (err) {
    engine.scratch.releaseBytes(buffer);
    throw err;
  }
}

/** Documents a negative word or phrase excludes: those holding it in a field searched on. */
function excludedByNegatives(
  matcher: QueryMatcher | null,
  engine: MemoryIndexEngine,
  parsed: ParsedQuery,
  allowedFields: Uint8Array | null,
): Uint8Array | null {
  if (parsed.negatives.length === 0) return null;
  const slots = engine.store.docs.length;
  const out = new Uint8Array(slots);
  const m =
    matcher ??
    new QueryMatcher(engine.words, {
      slots,
      allowedFields: null,
      noTypoFields: null,
      disableOnNumbers: false,
      synonyms: new Map(),
      scratch: engine.scratch,
    });
  const inAllowedField = (p: number): boolean =>
    allowedFields === null || allowedFields[Math.floor(p / POSITION_BITS)] === 1;
  for (const words of parsed.negatives) {
    if (words.length === 1) {
      const id = engine.words.wordId(words[0] as string);
      const list = id === undefined ? [] : (engine.words.postings[id] as number[]);
      for (let i = 0; i < list.length; i += 2 + (list[i + 1] as number)) {
        const end = i + 2 + (list[i + 1] as number);
        let hit = allowedFields === null;
        for (let j = i + 2; !hit && j < end; j++) hit = inAllowedField(list[j] as number);
        if (hit) out[list[i] as number] = 1;
      }
    } else
      for (const [doc, starts] of m.phrasePositions(words)) if (starts.some(inAllowedField)) out[doc] = 1;
  }
  return out;
}

function placeholderUniverse(
  engine: MemoryIndexEngine,
  filter: Uint8Array | null,
  negatives: Uint8Array | null,
): Universe {
  const docs = engine.store.docs;
  const ids: number[] = [];
  for (let id = 0; id < docs.length; id++) {
    if (docs[id] === undefined) continue;
    if (filter && filter[id] !== 1) continue;
    if (negatives && negatives[id] === 1) continue;
    ids.push(id);
  }
  return { ids: Int32Array.from(ids), step: null };
}

function queryUniverse(
  matches: TermMatch[],
  steps: number[][],
  slots: number,
  filter: Uint8Array | null,
  negatives: Uint8Array | null,
  scratch: ScratchPool,
): Universe {
  const minimal = steps[steps.length - 1] as number[];
  const step = scratch.acquireBytes(slots);
  if (minimal.length === 0) return { ids: new Int32Array(0), step };
  let seed = matches[minimal[0] as number] as TermMatch;
  for (const t of minimal)
    if ((matches[t] as TermMatch).docs.length < seed.docs.length) seed = matches[t] as TermMatch;
  const ids = new Int32Array(seed.docs.length);
  let size = 0;
  // Presence arrays of each step's terms, resolved once: this runs for every candidate.
  const presence = steps.map((set) => set.map((t) => (matches[t] as TermMatch).presence));
  const visit = (doc: number): void => {
    if (filter && filter[doc] !== 1) return;
    if (negatives && negatives[doc] === 1) return;
    let s = 0;
    for (; s < presence.length; s++) {
      const arrays = presence[s] as Uint8Array[];
      let a = 0;
      while (a < arrays.length && (arrays[a] as Uint8Array)[doc] !== 0) a++;
      if (a === arrays.length) break;
    }
    if (s === presence.length) return;
    step[doc] = s;
    ids[size++] = doc;
  };
  // A dense seed is walked through its presence array, which yields ascending ids without a sort.
  if (seed.docs.length * 8 > slots) {
    const presence = seed.presence;
    for (let doc = 0; doc < slots; doc++) if (presence[doc] !== 0) visit(doc);
    return { ids: ids.slice(0, size), step };
  }
  for (const doc of seed.docs) visit(doc);
  const arr = ids.slice(0, size);
  arr.sort();
  return { ids: arr, step };
}

/** Normalized synonyms per settings object (settings are replaced, never mutated, on a change). */
const synonymsBySettings = new WeakMap<object, Map<string, string[][]>>();

function synonymsMap(engine: MemoryIndexEngine): Map<string, string[][]> {
  let map = synonymsBySettings.get(engine.settings);
  if (map === undefined) {
    map = buildSynonymsMap(engine);
    synonymsBySettings.set(engine.settings, map);
  }
  return map;
}

function buildSynonymsMap(engine: MemoryIndexEngine): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  const words = (text: string): string[] => engine.tokenizer.tokenize(text).map((t) => t.word);
  for (const [key, values] of Object.entries(engine.settings.synonyms)) {
    const k = words(key);
    if (k.length !== 1) continue; // multi-word keys need n-gram matching (see docs/devnode-search.md)
    const list = out.get(k[0] as string) ?? [];
    for (const v of values) {
      const w = words(v);
      if (w.length > 0) list.push(w);
    }
    out.set(k[0] as string, list);
  }
  return out;
}

function fieldMask(engine: MemoryIndexEngine, patterns: readonly string[]): Uint8Array {
  const mask = new Uint8Array(engine.fieldNames.length + 1);
  engine.fieldNames.forEach((name, id) => {
    if (patterns.some((p) => fieldMatchesPattern(name, p))) mask[id] = 1;
  });
  return mask;
}

function checkSearchOn(engine: MemoryIndexEngine, attributes: string[] | null): void {
  if (!attributes) return;
  const searchable = engine.settings.searchableAttributes;
  if (searchable.includes('*')) return;
  for (const a of attributes) {
    if (!searchable.some((s) => fieldMatchesPattern(a, s))) {
      throw new EngineError(
        'invalid_search_attributes_to_search_on',
        `${engine.errorPrefix}Attribute \`${a}\` is not searchable. Available searchable attributes are: \`${[...searchable].sort().join(', ')}\`.`,
      );
    }
  }
}

function facetFields(engine: MemoryIndexEngine, facets: string[]): string[] {
  const filterable = engine.settings.filterableAttributes;
  const out = new Set<string>();
  for (const pattern of facets) {
    if (!isFacetPatternAllowed(pattern, filterable)) {
      // Checked by Meilisearch's search route, before milli: no index prefix, "Pattern".
      throw new EngineError(
        'invalid_search_facets',
        `Invalid facet distribution: Pattern \`${pattern}\` is not filterable. ${describePatterns(filterable)}`,
      );
    }
    if (pattern.includes('*')) {
      for (const name of engine.fieldNames)
        if (fieldMatchesPattern(name, pattern) && isFilterable(name, filterable)) out.add(name);
      continue;
    }
    out.add(pattern);
  }
  return [...out];
}

/**
 * Meilisearch's check of a `facets` pattern against the filterable rules: a plain attribute rule
 * takes the pattern only as itself, a parent or a child (legacy matching, so `*` or `sc*` is
 * refused unless a rule is itself a wildcard); a wildcard rule takes patterns it overlaps.
 */
function isFacetPatternAllowed(pattern: string, filterable: readonly string[]): boolean {
  return filterable.some((rule) =>
    rule.includes('*')
      ? fieldMatchesPattern(pattern, rule) || fieldMatchesPattern(rule, pattern)
      : rule === pattern || rule.startsWith(`${pattern}.`) || pattern.startsWith(`${rule}.`),
  );
}

/** milli's list of filterable patterns in facet and distinct errors: sorted, in one pair of backticks. */
function describePatterns(filterable: readonly string[]): string {
  if (filterable.length === 0) return 'This index does not have configured filterable attributes.';
  return `Available filterable attributes patterns are: \`${[...filterable].sort().join(', ')}\`.`;
}

function distinctField(engine: MemoryIndexEngine, request: SearchRequest): string | null {
  if (request.distinct !== null) {
    if (!isFilterable(request.distinct, engine.settings.filterableAttributes)) {
      throw new EngineError(
        'invalid_search_distinct',
        `${engine.errorPrefix}Attribute \`${request.distinct}\` is not filterable and thus, cannot be used as distinct attribute. ${describePatterns(engine.settings.filterableAttributes)}`,
      );
    }
    return request.distinct;
  }
  return engine.settings.distinctAttribute;
}

/**
 * Distinct as milli applies it (search/new/distinct.rs, bucket_sort.rs): a kept document claims its
 * values, and every candidate sharing a claimed value leaves the candidates, including those in
 * buckets the page never reached; documents without the field are all kept.
 */
class DistinctFilter {
  private readonly index: FacetCountIndex;
  private readonly claimed: Uint8Array;
  /** Candidates per value id (CSR over the universe), built on the first claim. */
  private valueDocs: { start: Int32Array; docs: Int32Array } | null = null;
  constructor(
    engine: MemoryIndexEngine,
    field: string,
    private readonly universe: Int32Array,
    private readonly state: CandidateState,
  ) {
    this.index = engine.facets.countIndex(field);
    this.claimed = new Uint8Array(this.index.numbers.length);
  }

  accept(doc: number): boolean {
    const { start, ids } = this.index;
    const from = start[doc] as number;
    const to = start[doc + 1] as number;
    if (from === to) return true;
    for (let k = from; k < to; k++) if (this.claimed[ids[k] as number] === 1) return false;
    const byValue = this.valueDocs ?? (this.valueDocs = this.buildValueDocs());
    for (let k = from; k < to; k++) {
      const value = ids[k] as number;
      this.claimed[value] = 1;
      for (let x = byValue.start[value] as number; x < (byValue.start[value + 1] as number); x++)
        this.state.exclude(byValue.docs[x] as number);
    }
    this.state.keep(doc);
    return true;
  }

  private buildValueDocs(): { start: Int32Array; docs: Int32Array } {
    const { start, ids } = this.index;
    const counts = new Int32Array(this.claimed.length + 1);
    for (const doc of this.universe)
      for (let k = start[doc] as number; k < (start[doc + 1] as number); k++)
        counts[(ids[k] as number) + 1]! += 1;
    for (let v = 1; v < counts.length; v++) counts[v]! += counts[v - 1] as number;
    const docs = new Int32Array(counts[counts.length - 1] as number);
    const fill = counts.slice(0, -1);
    for (const doc of this.universe) {
      for (let k = start[doc] as number; k < (start[doc + 1] as number); k++) {
        const value = ids[k] as number;
        docs[fill[value]!++] = doc;
      }
    }
    return { start: counts, docs };
  }
}

/** Exhaustive distinct of page mode (milli's execute_search): one document per value, in internal id order. */
function distinctByDocId(engine: MemoryIndexEngine, field: string, candidates: Int32Array): Int32Array {
  const { start, ids, numbers } = engine.facets.countIndex(field);
  const claimed = new Uint8Array(numbers.length);
  const out: number[] = [];
  next: for (const doc of candidates) {
    for (let k = start[doc] as number; k < (start[doc + 1] as number); k++)
      if (claimed[ids[k] as number] === 1) continue next;
    for (let k = start[doc] as number; k < (start[doc + 1] as number); k++) claimed[ids[k] as number] = 1;
    out.push(doc);
  }
  return Int32Array.from(out);
}

/**
 * Which candidates leave milli's `all_candidates` while ranking: excluded by distinct (sharing a
 * claimed value) or below the score threshold; kept documents stay.
 */
class CandidateState {
  /** Allocated on the first exclusion or keep: most searches use neither distinct nor a threshold. */
  private flagArray: Uint8Array | null = null;
  removed = 0;
  constructor(private readonly slots: number) {}
  private get flags(): Uint8Array {
    return (this.flagArray ??= new Uint8Array(this.slots));
  }
  exclude(doc: number): void {
    const flags = this.flags;
    if (flags[doc] !== 0) return;
    flags[doc] = 1;
    this.removed += 1;
  }
  keep(doc: number): void {
    const flags = this.flags;
    if (flags[doc] === 1) this.removed -= 1;
    flags[doc] = 2;
  }
  /** The candidates still in `all_candidates`, ascending. */
  remaining(universe: Int32Array): Int32Array {
    if (this.removed === 0) return universe;
    const flags = this.flags;
    return universe.filter((doc) => flags[doc] !== 1);
  }
}

interface RankedHit {
  doc: number;
  ev: DocEvaluation | null;
}

interface SearchRun {
  hits: RankedHit[];
  /** milli's `all_candidates` after ranking: the universe minus documents distinct excluded and
   *  documents below the threshold, ascending (before page mode's exhaustive distinct). */
  candidates: Int32Array;
  /** Distinct field in effect, or null. */
  distinct: string | null;
  universe: Universe;
  ranker: DocRanker | null;
  planned: PlannedRule[];
  words: QueryWords | null;
  matches: TermMatch[];
}

/**
 * milli's MatchingWords for highlighting: each term's derived words (the query word, its prefix
 * words unless milli's prefix database holds the prefix, its typo words in byte order), quoted
 * phrases, split words and synonyms as phrases; term ids count query words.
 */
function queryWords(matches: TermMatch[]): QueryWords {
  const phrases: MatchingPhrase[] = [];
  const terms: MatchingTerm[] = [];
  let nextId = 0;
  for (const m of matches) {
    const term = m.term;
    const ids: [number, number] = [nextId, nextId + (term.phrase ? term.words.length : 1) - 1];
    nextId = ids[1] + 1;
    if (term.phrase) {
      phrases.push({ words: term.words, ids });
      continue;
    }
    for (const alternative of m.phrases) phrases.push({ words: alternative, ids });
    const q = term.words[0] as string;
    const exact: string[] = [];
    const prefixed: string[] = [];
    const typos: string[] = [];
    for (const [word, info] of m.matchedWords) {
      if (info.flags & FLAG_SYNONYM) continue;
      if (info.flags & FLAG_EXACT) exact.push(word);
      else if (info.flags & FLAG_PREFIX) prefixed.push(word);
      else typos.push(word);
    }
    const list = [...exact];
    if (term.prefix && !m.usesPrefixDatabase) list.push(...prefixed.filter((w) => w !== q).sort());
    list.push(...typos.sort());
    terms.push({ words: list, ids, prefix: term.prefix, queryChars: [...q].length });
  }
  // Non-prefix terms first, then wider terms (milli sorts by (is_prefix, Reverse(positions.len()))).
  terms.sort((a, b) => Number(a.prefix) - Number(b.prefix) || b.ids[1] - b.ids[0] - (a.ids[1] - a.ids[0]));
  return { phrases, terms };
}

function execute(
  engine: MemoryIndexEngine,
  request: SearchRequest,
  need: number,
  exhaustive: boolean,
  offset = 0,
): SearchRun {
  const settings = engine.settings;
  const filter = liveBitmap(engine, request);
  const criteria = requestCriteria(engine, request.sort);
  checkSearchOn(engine, request.attributesToSearchOn);
  const parsed = parseQuery(request.q ?? '', engine.tokenizer, settings);
  const placeholder = parsed.terms.length === 0;
  const rules = resolveRules(settings.rankingRules, request.matchingStrategy, placeholder);
  const planned = planRules(engine, rules, criteria);
  const slots = engine.store.docs.length;
  const distinctName = distinctField(engine, request);
  const threshold = request.rankingScoreThreshold;
  const searchOn = request.attributesToSearchOn ? fieldMask(engine, request.attributesToSearchOn) : null;

  let universe: Universe;
  let ranker: DocRanker | null = null;
  let matches: TermMatch[] = [];
  let matcher: QueryMatcher | null = null;
  if (placeholder) {
    universe = placeholderUniverse(engine, filter, excludedByNegatives(null, engine, parsed, searchOn));
  } else {
    const noTypo =
      settings.typoTolerance.disableOnAttributes.length > 0
        ? fieldMask(engine, settings.typoTolerance.disableOnAttributes)
        : null;
    matcher = new QueryMatcher(engine.words, {
      slots,
      allowedFields: searchOn,
      noTypoFields: noTypo,
      disableOnNumbers: settings.typoTolerance.disableOnNumbers,
      synonyms: synonymsMap(engine),
      scratch: engine.scratch,
    });
    matches = parsed.terms.map((t) => (matcher as QueryMatcher).matchTerm(t));
    const steps = strategySteps(parsed, matches, request.matchingStrategy);
    universe = queryUniverse(
      matches,
      steps,
      slots,
      filter,
      excludedByNegatives(matcher, engine, parsed, searchOn),
      engine.scratch,
    );
    const searchable = settings.searchableAttributes;
    for (let f = 0; f < engine.fieldNames.length; f++) engine.fieldWeight(f);
    ranker = new DocRanker({
      matcher,
      matches,
      steps,
      fieldWeights: engine.fieldWeights,
      weightCount: searchable.includes('*') ? 0 : searchable.length,
      byAttribute: settings.proximityPrecision === 'byAttribute',
      fieldWordCount: (doc, field) => engine.fieldWordCount(doc, field),
      phraseWordsExtra: Math.max(
        0,
        parsed.terms.reduce((n, t) => n + (t.phrase ? t.words.length : 0), 0) - 1,
      ),
    });
  }

  const state = new CandidateState(slots);
  const distinct =
    distinctName === null ? null : new DistinctFilter(engine, distinctName, universe.ids, state);
  if (filter) engine.scratch.releaseBytes(filter);
  // Every rule is a level of one bucket sort, cheap ones (words, typo, sorts) first: keys are
  // computed only for the groups the page reaches, so a broad query never keys the candidates
  // past its first buckets.
  let firstCostly = planned.findIndex((p) => !isCheap(p));
  if (firstCostly < 0) firstCostly = planned.length;
  const step = universe.step;
  // The planned rule each level orders by, for the score of a bucket so far.
  const ruleOfLevel: number[] = [];
  const cheap = cheapLevels(planned.slice(0, firstCostly), ranker, step, ruleOfLevel);
  const costly = costlyLevels(planned.slice(firstCostly), ranker, step, ruleOfLevel, firstCostly);
  const levels = [...cheap, ...costly];
  const evaluate = (doc: number): DocEvaluation | null =>
    ranker && step ? ranker.base(doc, step[doc] as number) : null;
  const hits: RankedHit[] = [];
  const accept = (doc: number): void => {
    const hit: RankedHit = { doc, ev: evaluate(doc) };
    if (threshold !== null && hit.ev && ranker && globalScore(ranker.ranks(hit.ev, rules)) < threshold) {
      state.exclude(doc);
      return;
    }
    if (distinct && !distinct.accept(doc)) return;
    hits.push(hit);
  };
  const done = (): boolean => !exhaustive && hits.length >= need;
  const filtering = threshold !== null || distinct !== null;
  // Bucket sort over typed arrays: one level's keys for the group, a stable sort, then the runs of
  // equal keys in order, descending a level only into the buckets the page still needs.
  const bucketSort = (group: Int32Array, level: number): void => {
    if (level === levels.length || group.length === 1) {
      // Without distinct or a threshold nothing past the page can change the answer; below cheap
      // rules alone candidates are taken one by one up to the page.
      for (let x = 0; x < group.length && ((filtering && costly.length > 0) || !done()); x++)
        accept(group[x] as number);
      return;
    }
    const keys = new Float64Array(group.length);
    (levels[level] as LevelKeys)(group, keys);
    const [sorted, sortedKeys] = sortByKeys(group, keys);
    const partialRules = rules.slice(0, (ruleOfLevel[level] as number) + 1);
    let x = 0;
    while (x < sorted.length && !done()) {
      const k = sortedKeys[x] as number;
      let y = x + 1;
      while (y < sorted.length && sortedKeys[y] === k) y++;
      const bucket = sorted.subarray(x, y);
      // As milli's bucket sort: a bucket whose score so far is below the threshold goes, with
      // every later bucket of this level. Without a threshold, a bucket that ends before the
      // offset is taken whole (distinct applies to it) and never ordered further; with one,
      // Meilisearch 1.50 ranks it down to each document's score.
      if (threshold !== null && ranker && step) {
        const ev = ranker.base(bucket[0] as number, step[bucket[0] as number] as number);
        if (globalScore(ranker.ranks(ev, partialRules)) < threshold) {
          for (let z = x; z < sorted.length; z++) state.exclude(sorted[z] as number);
          return;
        }
      }
      if (threshold === null && hits.length + bucket.length < offset) for (const doc of bucket) accept(doc);
      else bucketSort(bucket, level + 1);
      x = y;
    }
  };
  // milli ranks nothing when the page is empty (limit 0) unless no ranking rule applies, where it
  // walks candidates in id order up to offset + limit. An offset past every candidate still walks:
  // distinct and the threshold count what they remove.
  const noRankingRules = placeholder && planned.every((p) => p.criteria.length === 0);
  const skipWalk = !noRankingRules && !exhaustive && need <= offset;
  if (!skipWalk) {
    if (levels.length === 0)
      for (let x = 0; x < universe.ids.length && !done(); x++) accept(universe.ids[x] as number);
    else bucketSort(universe.ids, 0);
  }
  return {
    hits,
    candidates: state.remaining(universe.ids),
    distinct: distinctName,
    universe,
    ranker,
    planned,
    words: matches.length > 0 ? queryWords(matches) : null,
    matches,
  };
}

function scoreDetails(run: SearchRun, hit: RankedHit): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let order = 0;
  const r = run.ranker;
  const ev = hit.ev;
  const local = (x: Rank): number => x.rank / x.max;
  for (const p of run.planned) {
    const kind = p.rule.kind;
    if (kind === 'sort' || kind === 'fieldSort') {
      for (const c of p.criteria) out[c.label] = { order: order++, ...c.detail(hit.doc) };
      continue;
    }
    if (!r || !ev) continue;
    if (kind === 'words') {
      const w = r.wordsRank(ev);
      out.words = { order: order++, matchingWords: w.rank, maxMatchingWords: w.max, score: local(w) };
    } else if (kind === 'typo') {
      const t: Rank = { rank: ev.maxTypo + 1 - ev.typo, max: ev.maxTypo + 1 };
      out.typo = { order: order++, typoCount: ev.typo, maxTypoCount: ev.maxTypo, score: local(t) };
    } else if (kind === 'proximity') out.proximity = { order: order++, score: local(r.proximity(ev)) };
    else if (kind === 'attributeRank')
      out.attributeRank = { order: order++, score: local(r.attributeRank(ev)) };
    else if (kind === 'wordPosition') out.wordPosition = { order: order++, score: local(r.wordPosition(ev)) };
    else if (kind === 'attribute') {
      const a = r.attributeRank(ev);
      const w = r.wordPosition(ev);
      out.attribute = {
        order: order++,
        attributeRankingOrderScore: local(a),
        queryWordDistanceScore: local(w),
        score: globalScore([a, w]),
      };
    } else if (kind === 'exactness') {
      const e = r.exactness(ev);
      const matchType =
        e.attribute === 3 ? 'exactMatch' : e.attribute === 2 ? 'matchesStart' : 'noExactMatch';
      if (e.attribute === 1) {
        out.exactness = {
          order: order++,
          matchType,
          matchingWords: e.words.rank - 1,
          maxMatchingWords: e.words.max - 1,
          score: globalScore([{ rank: 1, max: 3 }, e.words]),
        };
      } else out.exactness = { order: order++, matchType, score: e.attribute / 3 };
    }
  }
  return out;
}

function cropSpecs(request: SearchRequest): { pattern: string; length: number }[] | null {
  if (!request.attributesToCrop) return null;
  return request.attributesToCrop.map((entry) => {
    const m = /^(.*):(\d+)$/.exec(entry);
    return m
      ? { pattern: m[1] as string, length: Number(m[2]) }
      : { pattern: entry, length: request.cropLength };
  });
}

/** What every hit of one search shares, resolved once per search rather than once per hit. */
interface HitPlan {
  displayedAll: boolean;
  retrieveAll: boolean;
  geo: [number, number] | null;
  crop: { pattern: string; length: number }[] | null;
  words: QueryWords;
  /** Patterns of the fields `_formatted` covers, or null when there is no `_formatted`. */
  formatted: string[] | null;
  rules: ResolvedRule[];
}

function planHits(engine: MemoryIndexEngine, request: SearchRequest, run: SearchRun): HitPlan {
  const retrieve = request.attributesToRetrieve;
  const retrieveAll = retrieve.includes('*');
  const crop = cropSpecs(request);
  let geo: [number, number] | null = null;
  for (const p of run.planned) for (const c of p.criteria) if (geo === null && c.geo) geo = c.geo;
  const formatted =
    request.attributesToHighlight !== null || crop !== null
      ? [
          ...(retrieveAll ? ['*'] : retrieve),
          ...(request.attributesToHighlight ?? []),
          ...(crop ?? []).map((c) => c.pattern),
        ]
      : null;
  return {
    displayedAll: engine.settings.displayedAttributes.includes('*'),
    retrieveAll,
    geo,
    crop,
    words: run.words ?? NO_QUERY_WORDS,
    formatted,
    rules: run.planned.map((p) => p.rule),
  };
}

function buildHit(
  engine: MemoryIndexEngine,
  request: SearchRequest,
  run: SearchRun,
  plan: HitPlan,
  hit: RankedHit,
): Document {
  const doc = engine.store.docs[hit.doc] as Document;
  const displayed = plan.displayedAll ? doc : projectDocument(doc, engine.settings.displayedAttributes);
  const out: Document = plan.retrieveAll
    ? { ...displayed }
    : projectDocument(displayed, request.attributesToRetrieve);
  if (plan.geo !== null) {
    const p = geoPoint(doc);
    if (p) out._geoDistance = Math.round(haversine(plan.geo, p));
  }
  const wanted = plan.formatted;
  if (wanted !== null) {
    const fields = Object.keys(displayed).filter((k) =>
      wanted.some((p) => fieldMatchesPattern(k, p) || p.startsWith(`${k}.`)),
    );
    out._formatted = formatDocument(displayed, fields, engine.tokenizer, plan.words, {
      highlight: request.attributesToHighlight,
      crop: plan.crop,
      cropLength: request.cropLength,
      cropMarker: request.cropMarker,
      preTag: request.highlightPreTag,
      postTag: request.highlightPostTag,
    });
  }
  if (request.showMatchesPosition)
    out._matchesPosition = matchesPosition(displayed, engine.tokenizer, plan.words);
  if (request.showRankingScore)
    out._rankingScore = hit.ev && run.ranker ? globalScore(run.ranker.ranks(hit.ev, plan.rules)) : 1;
  if (request.showRankingScoreDetails) out._rankingScoreDetails = scoreDetails(run, hit);
  return out;
}

export function runSearch(engine: MemoryIndexEngine, request: SearchRequest): SearchResponse {
  const started = performance.now();
  const maxTotalHits = engine.settings.pagination.maxTotalHits;
  const pageMode = request.page !== undefined || request.hitsPerPage !== undefined;
  let offset: number;
  let limit: number;
  if (pageMode) {
    const page = request.page ?? 1;
    const hpp = request.hitsPerPage ?? 20;
    offset = page === 0 ? 0 : (page - 1) * hpp;
    limit = page === 0 ? 0 : hpp;
  } else {
    offset = request.offset;
    limit = request.limit;
  }
  const cappedOffset = Math.min(offset, maxTotalHits);
  const cappedLimit = Math.max(0, Math.min(limit, maxTotalHits - cappedOffset));
  const facetNames = request.facets && request.facets.length > 0 ? facetFields(engine, request.facets) : null;
  // Page mode counts exactly: with a threshold every candidate must be ranked (distinct is applied
  // to the remaining candidates afterwards, as milli's execute_search does).
  const exhaustive = pageMode && request.rankingScoreThreshold !== null;
  const run = execute(engine, request, cappedOffset + cappedLimit, exhaustive, cappedOffset);
  const candidates =
    pageMode && run.distinct !== null
      ? distinctByDocId(engine, run.distinct, run.candidates)
      : run.candidates;
  let hits: Document[];
  try {
    const page = run.hits.slice(cappedOffset, cappedOffset + cappedLimit);
    const plan = page.length > 0 ? planHits(engine, request, run) : null;
    hits = page.map((h) => buildHit(engine, request, run, plan as HitPlan, h));
  } finally {
    for (const m of run.matches) engine.scratch.release(m);
    run.ranker?.dispose();
    if (run.universe.step) engine.scratch.releaseBytes(run.universe.step);
  }
  const response: SearchResponse = { hits, query: request.q ?? '', processingTimeMs: 0 };
  // Meilisearch 1.50 caps the hits at maxTotalHits but reports the whole count in both modes.
  if (pageMode) {
    const total = candidates.length;
    const hpp = request.hitsPerPage ?? 20;
    response.hitsPerPage = hpp;
    response.page = request.page ?? 1;
    response.totalPages = hpp === 0 ? 0 : Math.ceil(total / hpp);
    response.totalHits = total;
  } else {
    response.limit = request.limit;
    response.offset = request.offset;
    response.estimatedTotalHits = candidates.length;
  }
  if (facetNames) {
    const { distribution, stats } = facetDistribution(
      engine.facets,
      facetNames,
      candidates,
      engine.settings.faceting.maxValuesPerFacet,
      engine.settings.faceting.sortFacetValuesBy,
    );
    response.facetDistribution = distribution;
    response.facetStats = stats;
  }
  response.processingTimeMs = Math.round(performance.now() - started);
  return response;
}

export function runFacetSearch(engine: MemoryIndexEngine, request: FacetSearchRequest): FacetSearchResponse {
  const started = performance.now();
  if (!engine.settings.facetSearch)
    throw new EngineError(
      'facet_search_disabled',
      `${engine.errorPrefix}The facet search is disabled for this index.`,
    );
  const filterable = engine.settings.filterableAttributes;
  if (!isFilterable(request.facetName, filterable)) {
    const tail =
      filterable.length === 0
        ? 'This index does not have configured facet-searchable attributes.'
        : `Available facet-searchable attributes patterns are: \`${[...filterable].sort().join(', ')}\`.`;
    throw new EngineError(
      'invalid_facet_search_facet_name',
      `Attribute \`${request.facetName}\` is not facet-searchable. ${tail} To make it facet-searchable add it to the \`filterableAttributes\` index settings.`,
    );
  }
  const searchRequest = defaultSearchRequest({
    q: request.q,
    limit: 0,
    filter: request.filter,
    matchingStrategy: request.matchingStrategy,
    attributesToSearchOn: request.attributesToSearchOn,
  });
  const run = execute(engine, searchRequest, 0, false);
  for (const m of run.matches) engine.scratch.release(m);
  run.ranker?.dispose();
  if (run.universe.step) engine.scratch.releaseBytes(run.universe.step);
  const query = request.facetQuery;
  const typoLimit = query === null ? 0 : Math.min(1, typoBudget(normalizeWord(query), engine.settings));
  const order = facetOrder(engine.settings.faceting.sortFacetValuesBy, request.facetName);
  const facetHits = searchFacetValues(
    engine.facets,
    request.facetName,
    run.universe.ids,
    query,
    typoLimit,
    engine.settings.faceting.maxValuesPerFacet,
    order,
  );
  return {
    facetHits,
    facetQuery: request.facetQuery,
    processingTimeMs: Math.round(performance.now() - started),
  };
}

/** A search request with Meilisearch's defaults, overridden by `over`. */
export function defaultSearchRequest(over: Partial<SearchRequest> = {}): SearchRequest {
  return {
    q: null,
    offset: 0,
    limit: 20,
    filter: null,
    facets: null,
    attributesToRetrieve: ['*'],
    attributesToCrop: null,
    cropLength: 10,
    cropMarker: '…',
    attributesToHighlight: null,
    highlightPreTag: '<em>',
    highlightPostTag: '</em>',
    showMatchesPosition: false,
    sort: null,
    matchingStrategy: 'last',
    showRankingScore: false,
    showRankingScoreDetails: false,
    rankingScoreThreshold: null,
    attributesToSearchOn: null,
    distinct: null,
    ...over,
  };
}
