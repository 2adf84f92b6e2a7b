// Reciprocal rank fusion (k = 60 by default): an opt-in order for federated multi-search, where
// scores of different indexes or query kinds may not be comparable. Each list adds
// weight / (k + rank) to the items it holds; an item found by several lists is fused into one.

export interface RankedList<T> {
  readonly items: readonly T[];
  readonly weight?: number;
}

export interface Fused<T> {
  /** The item as its first list (lowest list index, then best rank) gave it. */
  readonly item: T;
  readonly score: number;
  readonly list: number;
  readonly position: number;
}

export const DEFAULT_RRF_K = 60;

/**
 * Fuses ranked lists. `identity` names an item across lists (null: the item is only itself).
 * Ties keep the order of first appearance (list index, then position), so the result is stable.
 */
export function rrfMerge<T>(
  lists: readonly RankedList<T>[],
  identity: (item: T, list: number) => string | null,
  k = DEFAULT_RRF_K,
): Fused<T>[] {
  if (!(k >= 0) || !Number.isFinite(k))
    throw new RangeError(`rrfMerge: k must be a finite number >= 0, got ${k}`);
  const fused = new Map<string, { item: T; score: number; list: number; position: number }>();
  const loose: { item: T; score: number; list: number; position: number }[] = [];
  lists.forEach((list, listIndex) => {
    const weight = list.weight ?? 1;
    list.items.forEach((item, position) => {
      const contribution = weight / (k + position + 1);
      const id = identity(item, listIndex);
      if (id === null) {
        loose.push({ item, score: contribution, list: listIndex, position });
        return;
      }
      const seen = fused.get(id);
      if (seen === undefined) fused.set(id, { item, score: contribution, list: listIndex, position });
      else seen.score += contribution;
    });
  });
  return [...fused.values(), ...loose].sort(
    (a, b) => b.score - a.score || a.list - b.list || a.position - b.position,
  );
}
