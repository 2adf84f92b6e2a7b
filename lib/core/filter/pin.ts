// Primary-key pinning for the query planner: the exact set of document ids a filter can match, so a
// search is sent only to the shards owning them. `null` means "not pinned": fan out to every shard.
// Meilisearch matches `pk = v` through its facet index, which folds case, trims, decomposes and also
// matches numbers numerically, so a value is only pinned when every id it can match is known.
import type { FilterExpr } from './ast.ts';
import { parseFiniteFloat } from './evaluate.ts';

export interface PinOptions {
  /**
   * Meilisearch's `pk = abc` also matches a document whose id is `ABC`. Ids containing letters are
   * therefore not pinned unless the caller knows ids never differ only by case (e.g. lowercase UUIDs).
   */
  assumeCaseUniqueIds?: boolean;
}

const VALID_ID = /^[A-Za-z0-9_-]{1,511}$/;

/** The routing keys of the documents `pk = value` can match, or null when they cannot be listed. */
function idsMatching(value: string, opts: PinOptions): string[] | null {
  // Anything that is not itself a valid id could still match one after normalization (" 1", "①").
  if (!VALID_ID.test(value)) return null;
  if (!opts.assumeCaseUniqueIds && /[A-Za-z]/.test(value)) return null;
  const ids = [value];
  // `pk = 007` also matches the integer id 7, whose routing key is "7".
  const n = parseFiniteFloat(value);
  if (n !== null && Number.isSafeInteger(n) && String(n) !== value) ids.push(String(n));
  return ids;
}

function union(sets: string[][]): string[] {
  return [...new Set(sets.flat())];
}

function intersect(sets: string[][]): string[] {
  const [first = [], ...rest] = sets;
  return first.filter((id) => rest.every((s) => s.includes(id)));
}

export function pinnedPrimaryKeys(
  expr: FilterExpr,
  primaryKey: string,
  opts: PinOptions = {},
): string[] | null {
  switch (expr.type) {
    case 'compare': {
      if (expr.attribute !== primaryKey || expr.op !== '=') return null;
      return idsMatching(expr.value, opts);
    }
    case 'in': {
      if (expr.attribute !== primaryKey) return null;
      const sets: string[][] = [];
      for (const v of expr.values) {
        const ids = idsMatching(v, opts);
        if (!ids) return null;
        sets.push(ids);
      }
      return union(sets);
    }
    case 'and': {
      // Unpinned siblings only narrow the result further, so any pinned child bounds the whole.
      const pinned = expr.children
        .map((c) => pinnedPrimaryKeys(c, primaryKey, opts))
        .filter((s): s is string[] => s !== null);
      return pinned.length === 0 ? null : intersect(pinned);
    }
    case 'or': {
      const sets: string[][] = [];
      for (const c of expr.children) {
        const s = pinnedPrimaryKeys(c, primaryKey, opts);
        if (!s) return null;
        sets.push(s);
      }
      return union(sets);
    }
    default:
      return null;
  }
}
