// Per-document ranking for one query: the cost each relevancy rule gives a document (milli's graph
// rules reduced to per-document minima), the sort keys, and `_rankingScore` /
// `_rankingScoreDetails` built exactly as milli's score_details.rs combines Rank{rank, max_rank}.
import type { QueryMatcher, TermMatch } from './matcher.ts';
import { POSITION_BITS } from './word-index.ts';
import type { ResolvedRule } from './rules.ts';

export interface Rank {
  rank: number;
  max: number;
}

/** milli `Rank::merge` folded over the ranks (score_details.rs `Rank::global_score`). */
export function globalScore(ranks: readonly Rank[]): number {
  let rank = 1;
  let max = 1;
  for (const r of ranks) {
    rank = Math.max(0, rank - 1) * r.max + r.rank;
    max *= r.max;
  }
  return rank / max;
}

/** Document position bucketing of milli's position rule: 0-15 exact, then coarser buckets. */
export function bucketPosition(p: number): number {
  if (p < 16) return p;
  if (p < 24) return 24;
  let b = 32;
  while (b < p) b *= 2;
  return b;
}

/** Cost of a distance between a document position and a query position (milli position rule). */
export function positionCost(d: number): number {
  if (d <= 1) return d;
  if (d <= 4) return 2;
  if (d <= 7) return 3;
  if (d <= 11) return 4;
  if (d <= 16) return 5;
  if (d <= 24) return 6;
  if (d <= 64) return 7;
  if (d <= 256) return 8;
  if (d <= 1024) return 9;
  return 10;
}

/** wordPosition cost tables by query position: a pure function of it, built once per process. */
const positionTables: (Uint8Array | undefined)[] = [];

/** wordPosition cost of each word position below 1024 for a term at query position `q`. */
function positionTable(q: number): Uint8Array {
  let table = positionTables[q];
  if (!table) {
    table = new Uint8Array(1024);
    for (let p = 0; p < table.length; p++) table[p] = positionCost(Math.abs(bucketPosition(p) - q));
    // Query positions past the first few hundred (long queries of stop words) are not kept.
    if (q < 256) positionTables[q] = table;
  }
  return table;
}

/**
 * Proximity cost of two positions (milli: distance capped at 4; cost = proximity − 1, max 3).
 * `backward` are the right term's positions that count before the left word: milli resolves a
 * prefix found in its prefix database backwards through the exact word only.
 */
function pairCost(
  left: number[],
  right: number[],
  leftSpan: number,
  byAttribute: boolean,
  backward: number[] = right,
): number {
  let best = 3;
  for (const a0 of left) {
    const a = a0 + leftSpan;
    const fa = Math.floor(a0 / POSITION_BITS);
    for (const b of right) {
      if (Math.floor(b / POSITION_BITS) !== fa) continue;
      if (byAttribute) return 0;
      if (b <= a) continue;
      const dist = b - a;
      const cost = dist >= 4 ? 3 : dist - 1;
      if (cost < best) {
        best = cost;
        if (best === 0) return 0;
      }
    }
    for (const b of backward) {
      if (Math.floor(b / POSITION_BITS) !== fa || b > a) continue;
      const dist = a - b + 1;
      const cost = dist >= 4 ? 3 : dist - 1;
      if (cost < best) best = cost;
    }
  }
  return best;
}

export interface RankContext {
  matcher: QueryMatcher;
  matches: TermMatch[];
  /** Remaining term indices per words step (step 0 = every term). */
  steps: number[][];
  /** Weight of each field id for attributeRank (-1 = not searchable). */
  fieldWeights: Int32Array;
  /** Number of searchable attribute entries, 0 when searchableAttributes is `*`. */
  weightCount: number;
  byAttribute: boolean;
  /** Word count of a field in a document when it has at most 30 words, else -1. */
  fieldWordCount: (doc: number, field: number) => number;
  /** Words in the query's phrases minus one (0 without phrases), added to the words rule's ranks. */
  phraseWordsExtra: number;
}

export interface DocEvaluation {
  doc: number;
  step: number;
  typo: number;
  maxTypo: number;
  proximity?: Rank;
  attributeRank?: Rank;
  wordPosition?: Rank;
  exactAttribute?: 1 | 2 | 3;
  exactWords?: Rank;
}

export class DocRanker {
  /** Reused by `levelCost`: ordering touches every candidate, and one object per document showed in GC. */
  private readonly scratch: DocEvaluation = { doc: 0, step: 0, typo: 0, maxTypo: 0 };

  constructor(private readonly ctx: RankContext) {}

  /** Hands the matcher's entry pool back once the hits are built. */
  dispose(): void {
    this.ctx.matcher.dispose();
  }

  /** `cost(base(doc, step), rule)` without allocating an evaluation. */
  levelCost(doc: number, step: number, rule: ResolvedRule): number {
    const ev = this.scratch;
    ev.doc = doc;
    ev.step = step;
    ev.typo = rule.kind === 'typo' ? this.typoCount(doc, step) : 0;
    ev.proximity = undefined;
    ev.attributeRank = undefined;
    ev.wordPosition = undefined;
    ev.exactAttribute = undefined;
    ev.exactWords = undefined;
    return this.cost(ev, rule);
  }

  private positionTable(t: number): Uint8Array {
    return positionTable((this.ctx.matches[t] as TermMatch).term.position);
  }

  /** wordPosition cost (max − rank) of a document, without building its Rank. */
  private wordPositionCost(doc: number, step: number): number {
    let cost = 0;
    for (const t of this.ctx.steps[step] as number[]) {
      const m = this.ctx.matches[t] as TermMatch;
      const q = m.term.position;
      cost += this.ctx.matcher.minTableCost(
        m,
        doc,
        this.positionTable(t),
        (p) => positionCost(Math.abs(bucketPosition(p) - q)),
        10,
      );
    }
    return cost;
  }

  /**
   * Ordering keys of one relevancy rule for a group of documents (`cost` of each), with a
   * dedicated loop for the rules that touch every candidate of large groups.
   */
  levelCosts(group: Int32Array, step: Uint8Array, rule: ResolvedRule, out: Float64Array): void {
    if (rule.kind === 'wordPosition') {
      for (let x = 0; x < group.length; x++) {
        const doc = group[x] as number;
        out[x] = this.wordPositionCost(doc, step[doc] as number);
      }
      return;
    }
    for (let x = 0; x < group.length; x++) {
      const doc = group[x] as number;
      out[x] = this.levelCost(doc, step[doc] as number, rule);
    }
  }

  /** Number of words steps (1 = every candidate matches every term: the words rule splits nothing). */
  get stepCount(): number {
    return this.ctx.steps.length;
  }

  /** True when some term matched a document through a typo derivation. */
  hasTypos(): boolean {
    return this.ctx.matches.some((m) => m.maxTypo > 0);
  }

  /** Typo counts of a group's documents into `out`, from the presence arrays of each step's terms. */
  typoCountsInto(group: Int32Array, step: Uint8Array, out: Float64Array): void {
    const presence = this.ctx.steps.map((terms) =>
      terms.map((t) => (this.ctx.matches[t] as TermMatch).presence),
    );
    for (let x = 0; x < group.length; x++) {
      const doc = group[x] as number;
      const arrays = presence[step[doc] as number] as Uint8Array[];
      let typo = 0;
      for (let a = 0; a < arrays.length; a++) typo += ((arrays[a] as Uint8Array)[doc] as number) - 1;
      out[x] = typo;
    }
  }

  /** Words step and typo count: cheap, from the per-term presence arrays. */
  base(doc: number, step: number): DocEvaluation {
    let typo = 0;
    let maxTypo = 0;
    for (const t of this.ctx.steps[step] as number[]) {
      const m = this.ctx.matches[t] as TermMatch;
      typo += (m.presence[doc] as number) - 1;
      maxTypo += m.term.phrase ? 0 : Math.max(1, m.term.maxTypos);
    }
    return { doc, step, typo, maxTypo };
  }

  typoCount(doc: number, step: number): number {
    let typo = 0;
    for (const t of this.ctx.steps[step] as number[])
      typo += ((this.ctx.matches[t] as TermMatch).presence[doc] as number) - 1;
    return typo;
  }

  /** True when a rule gives every document the same rank for this query. */
  isConstant(rule: ResolvedRule): boolean {
    if (rule.kind === 'attributeRank') return this.ctx.weightCount <= 1;
    if (rule.kind === 'proximity') {
      return this.ctx.steps.every((terms) => {
        for (let i = 0; i + 1 < terms.length; i++) {
          const a = (this.ctx.matches[terms[i] as number] as TermMatch).term;
          const b = (this.ctx.matches[terms[i + 1] as number] as TermMatch).term;
          if (b.position - a.lastPosition === 1) return false;
        }
        return true;
      });
    }
    return false;
  }

  private termPositions(t: number, doc: number): number[] {
    return this.ctx.matcher.positions(this.ctx.matches[t] as TermMatch, doc);
  }

  proximity(ev: DocEvaluation): Rank {
    if (ev.proximity) return ev.proximity;
    const terms = this.ctx.steps[ev.step] as number[];
    let pairs = 0;
    let cost = 0;
    for (let i = 0; i + 1 < terms.length; i++) {
      const a = this.ctx.matches[terms[i] as number] as TermMatch;
      const b = this.ctx.matches[terms[i + 1] as number] as TermMatch;
      if (b.term.position - a.term.lastPosition !== 1) continue;
      pairs++;
      const right = this.termPositions(terms[i + 1] as number, ev.doc);
      cost += pairCost(
        this.termPositions(terms[i] as number, ev.doc),
        right,
        a.term.lastPosition - a.term.position,
        this.ctx.byAttribute,
        b.usesPrefixDatabase ? this.ctx.matcher.positions(b, ev.doc, true) : right,
      );
    }
    const max = 1 + 3 * pairs;
    ev.proximity = { rank: max - cost, max };
    return ev.proximity;
  }

  attributeRank(ev: DocEvaluation): Rank {
    if (ev.attributeRank) return ev.attributeRank;
    const terms = this.ctx.steps[ev.step] as number[];
    if (this.ctx.weightCount === 0) {
      ev.attributeRank = { rank: 1, max: 1 };
      return ev.attributeRank;
    }
    let cost = 0;
    const weights = this.ctx.fieldWeights;
    const worst = this.ctx.weightCount - 1;
    const matcher = this.ctx.matcher;
    const weightOf = (p: number): number => {
      const field = (p / POSITION_BITS) | 0;
      const w = weights[field] ?? -1;
      return w < 0 || !matcher.fieldAllowed(field) ? worst : w;
    };
    for (const t of terms)
      cost += this.ctx.matcher.minOverPositions(this.ctx.matches[t] as TermMatch, ev.doc, weightOf, worst);
    const max = 1 + terms.length * (this.ctx.weightCount - 1);
    ev.attributeRank = { rank: max - cost, max };
    return ev.attributeRank;
  }

  wordPosition(ev: DocEvaluation): Rank {
    if (ev.wordPosition) return ev.wordPosition;
    const terms = this.ctx.steps[ev.step] as number[];
    let cost = 0;
    for (const t of terms) {
      const m = this.ctx.matches[t] as TermMatch;
      const q = m.term.position;
      cost += this.ctx.matcher.minOverPositions(
        m,
        ev.doc,
        (p) => positionCost(Math.abs(bucketPosition(p % POSITION_BITS) - q)),
        10,
      );
    }
    const max = 1 + 10 * terms.length;
    ev.wordPosition = { rank: max - cost, max };
    return ev.wordPosition;
  }

  exactness(ev: DocEvaluation): { attribute: 1 | 2 | 3; words: Rank } {
    if (ev.exactAttribute !== undefined && ev.exactWords)
      return { attribute: ev.exactAttribute, words: ev.exactWords };
    const terms = this.ctx.steps[ev.step] as number[];
    let exact = 0;
    for (const t of terms) {
      const m = this.ctx.matches[t] as TermMatch;
      if (m.term.phrase || m.exact[ev.doc] === 1) exact++;
    }
    ev.exactWords = { rank: exact + 1, max: terms.length + 1 };
    ev.exactAttribute = this.exactAttribute(ev.doc, terms);
    return { attribute: ev.exactAttribute, words: ev.exactWords };
  }

  /**
   * milli's exact_attribute.rs: each remaining term (the query's first terms, each present as
   * itself) must stand at its query position (bucketed) in some field, any field; then a document
   * whose searchable field (within attributesToSearchOn) holds all the words matches the start, and
   * is an exact match when that field has as many words as the terms cover.
   */
  private exactAttribute(doc: number, terms: number[]): 1 | 2 | 3 {
    for (let i = 0; i < terms.length; i++) {
      const m = this.ctx.matches[terms[i] as number] as TermMatch;
      if (terms[i] !== i || (!m.term.phrase && m.exact[doc] !== 1)) return 1;
    }
    const first = (this.ctx.matches[0] as TermMatch).term.position;
    let fields: Set<number> | null = null;
    let wordCount = 0;
    for (const t of terms) {
      const m = this.ctx.matches[t] as TermMatch;
      const want = bucketPosition(m.term.position - first);
      const here = new Set<number>();
      let placed = false;
      for (const p of this.ctx.matcher.positions(m, doc, true)) {
        if (bucketPosition(p % POSITION_BITS) === want) placed = true;
        const field = Math.floor(p / POSITION_BITS);
        if (this.ctx.matcher.fieldAllowed(field) && (this.ctx.fieldWeights[field] ?? -1) >= 0)
          here.add(field);
      }
      if (!placed) return 1;
      fields = fields === null ? here : new Set([...fields].filter((f: number) => here.has(f)));
      if (fields.size === 0) return 1;
      wordCount += m.term.lastPosition - m.term.position + 1;
    }
    for (const f of fields ?? []) if (this.ctx.fieldWordCount(doc, f) === wordCount) return 3;
    return 2;
  }

  /** Ranks of the relevancy rules in rule order, for the score (sort rules give none). */
  ranks(ev: DocEvaluation, rules: readonly ResolvedRule[]): Rank[] {
    const out: Rank[] = [];
    for (const rule of rules) {
      switch (rule.kind) {
        case 'words':
          out.push(this.wordsRank(ev));
          break;
        case 'typo':
          out.push({ rank: ev.maxTypo + 1 - ev.typo, max: ev.maxTypo + 1 });
          break;
        case 'proximity':
          out.push(this.proximity(ev));
          break;
        case 'attributeRank':
          out.push(this.attributeRank(ev));
          break;
        case 'wordPosition':
          out.push(this.wordPosition(ev));
          break;
        case 'attribute':
          out.push(this.attributeRank(ev), this.wordPosition(ev));
          break;
        case 'exactness': {
          const e = this.exactness(ev);
          out.push({ rank: e.attribute, max: 3 }, e.words);
          break;
        }
        default:
          break;
      }
    }
    return out;
  }

  /**
   * milli's words rule: one rank per removal step, plus the words of phrases past the first
   * (a phrase counts each of its words, yet is never removed).
   */
  wordsRank(ev: DocEvaluation): Rank {
    const max = this.ctx.steps.length + this.ctx.phraseWordsExtra;
    return { rank: max - ev.step, max };
  }

  /** Cost of one relevancy rule (lower = better), for ordering. */
  cost(ev: DocEvaluation, rule: ResolvedRule): number {
    switch (rule.kind) {
      case 'words':
        return ev.step;
      case 'typo':
        return ev.typo;
      case 'proximity': {
        const r = this.proximity(ev);
        return r.max - r.rank;
      }
      case 'attributeRank': {
        const r = this.attributeRank(ev);
        return r.max - r.rank;
      }
      case 'wordPosition': {
        const r = this.wordPosition(ev);
        return r.max - r.rank;
      }
      case 'attribute': {
        const a = this.attributeRank(ev);
        const p = this.wordPosition(ev);
        return (a.max - a.rank) * 1_000_000 + (p.max - p.rank);
      }
      case 'exactness': {
        const e = this.exactness(ev);
        return (3 - e.attribute) * 1_000 + (e.words.max - e.words.rank);
      }
      default:
        return 0;
    }
  }
}
