// Fields the merge fetches for itself and the cleanup of every hit it returns: reserved
// `_miroir_*` fields always go, scores go unless the client asked for them, and fields fetched
// only for sorting, distinct or identity go when the client's attributesToRetrieve left them out.
import { isReservedField } from '#core/ingest/reserved-fields.ts';
import type { Hit } from './types.ts';

/** Whether `attributesToRetrieve` already returns `field` (itself, `*`, or a parent object). */
export function isRetrieved(field: string, attributes: readonly string[] | null | undefined): boolean {
  if (attributes === undefined || attributes === null) return true;
  return attributes.some(
    (attribute) => attribute === '*' || attribute === field || field.startsWith(`${attribute}.`),
  );
}

/** The fields to add to a restricted attributesToRetrieve so the merge can read `needed`. */
export function fieldsToAdd(
  needed: readonly string[],
  attributes: readonly string[] | null | undefined,
): string[] {
  const added: string[] = [];
  for (const field of needed) {
    if (field === '' || isRetrieved(field, attributes) || added.includes(field)) continue;
    // A client attribute below the field (`a.b` when `a` is needed) would be removed with it.
    if (attributes?.some((attribute) => attribute.startsWith(`${field}.`))) continue;
    added.push(field);
  }
  return added;
}

/** `value` without the field at `segments` (through arrays); an object emptied by the removal goes too. */
export function withoutPath(value: unknown, segments: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutPath(item, segments));
  if (typeof value !== 'object' || value === null || segments.length === 0) return value;
  const [head, ...rest] = segments as [string, ...string[]];
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    if (key === head && rest.length === 0) continue;
    if (key === segments.join('.')) continue;
    if (key === head) {
      const pruned = withoutPath(child, rest);
      // Drop an object emptied by the removal: it was only there to carry the merge's field.
      if (
        typeof pruned === 'object' &&
        pruned !== null &&
        !Array.isArray(pruned) &&
        Object.keys(pruned).length === 0
      )
        continue;
      out[key] = pruned;
    } else {
      out[key] = child;
    }
  }
  return out;
}

export interface HitCleanup {
  showRankingScore: boolean;
  showRankingScoreDetails: boolean;
  /** Fields fetched only for the merge. */
  added: readonly string[];
}

// What the copy does with each key of a learnt shape.
const DROP = 0;
const KEEP = 1;
const KEEP_CLEANED = 2; // `_formatted`: kept, its own merge-only fields removed

/** Builds the cleaned copy of a hit of one learnt shape; `formatted` cleans `_formatted`. */
type ShapeBuilder = (hit: Hit, formatted: (value: unknown) => unknown) => Hit;

const BUILDER_CACHE_SIZE = 512;
const builders = new Map<string, ShapeBuilder>();

/**
 * The copy of one hit shape as a function returning an object literal of the kept keys, the
 * cheapest way V8 has to build an object (about a quarter of the cost of filling a template key
 * by key). Keys enter the source only as JSON string literals, so no key can inject code;
 * `__proto__` never gets here (it would set the prototype in a literal). Builders are shared by
 * every merge through a bounded cache, so a shape seen again costs no compilation and its
 * builder is already optimized.
 */
function shapeBuilder(keys: readonly string[], actions: readonly number[]): ShapeBuilder {
  // JSON keeps the identity unambiguous whatever the keys hold.
  const id = `${actions.join('')}${JSON.stringify(keys)}`;
  let build = builders.get(id);
  if (build === undefined) {
    const fields: string[] = [];
    keys.forEach((key, i) => {
      const literal = JSON.stringify(key);
      if (actions[i] === KEEP) fields.push(`${literal}: hit[${literal}]`);
      else if (actions[i] === KEEP_CLEANED) fields.push(`${literal}: formatted(hit[${literal}])`);
    });
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- keys are JSON literals, see above
    build = new Function('hit', 'formatted', `return {${fields.join(', ')}};`) as ShapeBuilder;
    if (builders.size >= BUILDER_CACHE_SIZE) builders.clear();
    builders.set(id, build);
  }
  return build;
}

/**
 * The cleanup of one merge. Hits of one answer share a shape (the same keys in the same order),
 * so what to do with each key is decided once, on the first hit of a shape, and compiled into a
 * builder (`shapeBuilder`); a later hit is checked key by key against that shape (string
 * identity, no parsing) and built by it. A hit of another shape takes the general copy and
 * becomes the new shape. Either way the copy holds the kept keys in the hit's order and the
 * input hit is left untouched.
 */
export class HitCleaner {
  private readonly dropScore: boolean;
  private readonly dropDetails: boolean;
  private readonly added: ReadonlySet<string> | null;
  private readonly dotted: readonly (readonly string[])[];
  /** Every key of the learnt shape in for-in order, and the compiled copy of that shape. */
  private shapeKeys: string[] | null = null;
  private build: ShapeBuilder | null = null;
  private readonly formatted = (value: unknown): unknown => this.cleanedFormatted(value);

  constructor(cleanup: HitCleanup) {
    this.dropScore = !cleanup.showRankingScore;
    this.dropDetails = !cleanup.showRankingScoreDetails;
    this.added = cleanup.added.length > 0 ? new Set(cleanup.added) : null;
    this.dotted = cleanup.added.filter((field) => field.includes('.')).map((field) => field.split('.'));
  }

  /** A copy of the hit as the client must see it. */
  clean(hit: Hit): Hit {
    const keys = this.shapeKeys;
    if (keys !== null) {
      let i = 0;
      for (const key in hit) {
        if (key !== keys[i]) {
          i = -1;
          break;
        }
        i += 1;
      }
      if (i === keys.length) {
        const out = (this.build as ShapeBuilder)(hit, this.formatted);
        return this.dotted.length === 0 ? out : this.pruneDotted(out);
      }
    }
    this.learn(hit);
    return this.copy(hit, true);
  }

  private learn(hit: Hit): void {
    const keys: string[] = [];
    const actions: number[] = [];
    for (const key in hit) {
      const action = !this.keeps(key, true) ? DROP : key === '_formatted' ? KEEP_CLEANED : KEEP;
      // `__proto__` cannot be a plain key of an object literal: such shapes always take the general copy.
      if (action !== DROP && key === '__proto__') {
        this.shapeKeys = null;
        return;
      }
      keys.push(key);
      actions.push(action);
    }
    this.shapeKeys = keys;
    this.build = shapeBuilder(keys, actions);
  }

  private keeps(key: string, topLevel: boolean): boolean {
    if (key.charCodeAt(0) === 95 /* _ */) {
      if (isReservedField(key)) return false;
      // The client's score switches alone decide for the scores.
      if (topLevel && key === '_rankingScore') return !this.dropScore;
      if (topLevel && key === '_rankingScoreDetails') return !this.dropDetails;
    }
    return this.added === null || !this.added.has(key);
  }

  private cleanedFormatted(value: unknown): unknown {
    return typeof value === 'object' && value !== null
      ? this.copy(value as Record<string, unknown>, false)
      : value;
  }

  /** The general copy, for any shape. */
  private copy(source: Record<string, unknown>, topLevel: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key in source) {
      if (!this.keeps(key, topLevel)) continue;
      out[key] = topLevel && key === '_formatted' ? this.cleanedFormatted(source[key]) : source[key];
    }
    return this.dotted.length === 0 ? out : this.pruneDotted(out);
  }

  private pruneDotted(record: Record<string, unknown>): Record<string, unknown> {
    let out = record;
    for (const segments of this.dotted) out = withoutPath(out, segments) as Record<string, unknown>;
    return out;
  }
}

/** A copy of the hit as the client must see it (the input hit is left untouched). */
export function cleanHit(hit: Hit, cleanup: HitCleanup): Hit {
  return new HitCleaner(cleanup).clean(hit);
}
