// Fields the merge fetches for itself and the cleanup of every hit it returns: reserved
// `_miroir_*` fields always go, scores go unless the client asked for them, and fields fetched
// only for sorting, distinct or identity go when the client's attributesToRetrieve left them out.
import type { Hit } from './types.ts';

export const RESERVED_PREFIX = '_miroir_';

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

function withoutPath(value: unknown, segments: readonly string[]): unknown {
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

function mustDrop(key: string, cleanup: HitCleanup, topLevel: boolean): boolean {
  if (key.charCodeAt(0) === 95 /* _ */) {
    if (key.startsWith(RESERVED_PREFIX)) return true;
    if (topLevel && key === '_rankingScore') return !cleanup.showRankingScore;
    if (topLevel && key === '_rankingScoreDetails') return !cleanup.showRankingScoreDetails;
  }
  return cleanup.added.length > 0 && cleanup.added.includes(key);
}

function cleanObject(
  source: Record<string, unknown>,
  cleanup: HitCleanup,
  topLevel: boolean,
): Record<string, unknown> {
  // Hits of one answer share a shape: copying key by key with for-in keeps V8's fast object
  // layout, which matters at a thousand hits per merge.
  let out: Record<string, unknown> = {};
  for (const key in source) {
    if (mustDrop(key, cleanup, topLevel)) continue;
    const value = source[key];
    out[key] =
      topLevel && key === '_formatted' && typeof value === 'object' && value !== null
        ? cleanObject(value as Record<string, unknown>, cleanup, false)
        : value;
  }
  for (const field of cleanup.added) {
    if (field.includes('.')) out = withoutPath(out, field.split('.')) as Record<string, unknown>;
  }
  return out;
}

/** A copy of the hit as the client must see it (the input hit is left untouched). */
export function cleanHit(hit: Hit, cleanup: HitCleanup): Hit {
  return cleanObject(hit, cleanup, true);
}
