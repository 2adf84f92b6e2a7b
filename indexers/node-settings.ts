// The settings Miroir pushes to a node differ from the client's where merging needs it (SPEC A5):
// `_miroir_shard` is always filterable (shard-scoped deletions), facet values are not cut at the
// client's `maxValuesPerFacet`, and hit counts are not capped at the client's `maxTotalHits`, so
// facet counts and totals summed over shards stay exact (the merge applies the client's limits).
import { NODE_MAX_TOTAL_HITS } from '#core/merge/types.ts';
import { SHARD_FIELD } from '#core/routing/shard-field.ts';

export { NODE_MAX_TOTAL_HITS };

/**
 * Facet values a node returns per facet. Current Meilisearch applies the setting as is (milli
 * no longer clamps it), so this bounds only the size of a shard's answer: merged counts are exact
 * for facets with fewer distinct values than this in the matching documents of one shard.
 */
export const NODE_MAX_VALUES_PER_FACET = 100_000;

export type SettingsPatch = Record<string, unknown>;

/** Settings of a node index at creation, before any client settings arrive. */
export function initialNodeSettings(): SettingsPatch {
  return {
    filterableAttributes: [SHARD_FIELD],
    faceting: { maxValuesPerFacet: NODE_MAX_VALUES_PER_FACET },
    pagination: { maxTotalHits: NODE_MAX_TOTAL_HITS },
  };
}

function hasShardField(list: readonly unknown[]): boolean {
  return list.some(
    (item) =>
      item === SHARD_FIELD ||
      (typeof item === 'object' &&
        item !== null &&
        Array.isArray((item as { attributePatterns?: unknown }).attributePatterns) &&
        (item as { attributePatterns: unknown[] }).attributePatterns.includes(SHARD_FIELD)),
  );
}

/**
 * The node's PATCH for a client settings update (Meilisearch partial semantics: a sent field
 * replaces, `null` resets). Fields the client did not send are left out, so the node keeps them.
 */
export function nodeSettingsOf(patch: SettingsPatch): SettingsPatch {
  const out: SettingsPatch = { ...patch };
  if (Object.hasOwn(patch, 'filterableAttributes')) {
    const list = patch.filterableAttributes;
    // A reset (null) would drop `_miroir_shard` too: send the reset state plus the shard field.
    if (list === null) out.filterableAttributes = [SHARD_FIELD];
    else if (Array.isArray(list) && !hasShardField(list))
      out.filterableAttributes = [...(list as unknown[]), SHARD_FIELD];
  }
  if (Object.hasOwn(patch, 'faceting')) {
    const faceting = patch.faceting;
    if (faceting === null) {
      // Reset, except the value limit: spell out Meilisearch's default sort order.
      out.faceting = { maxValuesPerFacet: NODE_MAX_VALUES_PER_FACET, sortFacetValuesBy: { '*': 'alpha' } };
    } else if (typeof faceting === 'object' && !Array.isArray(faceting)) {
      out.faceting = {
        ...(faceting as Record<string, unknown>),
        maxValuesPerFacet: NODE_MAX_VALUES_PER_FACET,
      };
    }
  }
  if (Object.hasOwn(patch, 'pagination')) {
    const pagination = patch.pagination;
    // A capped shard count would make the merged total (and milli's facet number order, which
    // depends on the candidate count) unknowable; the merge caps at the client's value.
    if (pagination === null) out.pagination = { maxTotalHits: NODE_MAX_TOTAL_HITS };
    else if (typeof pagination === 'object' && !Array.isArray(pagination))
      out.pagination = { ...(pagination as Record<string, unknown>), maxTotalHits: NODE_MAX_TOTAL_HITS };
  }
  return out;
}

/**
 * True when the node's current settings are Miroir's: `_miroir_shard` filterable and hit counts
 * not capped below NODE_MAX_TOTAL_HITS (a capped shard total would make merged totals wrong).
 */
export function nodeSettingsReady(settings: Record<string, unknown>): boolean {
  const list = settings.filterableAttributes;
  const pagination = settings.pagination as { maxTotalHits?: unknown } | undefined;
  const maxTotalHits = typeof pagination?.maxTotalHits === 'number' ? pagination.maxTotalHits : 0;
  return Array.isArray(list) && hasShardField(list) && maxTotalHits >= NODE_MAX_TOTAL_HITS;
}

/** The PATCH that makes a node index's current settings Miroir's (keeps its filterable attributes). */
export function preparedNodeSettings(settings: Record<string, unknown>): SettingsPatch {
  const current = Array.isArray(settings.filterableAttributes)
    ? (settings.filterableAttributes as unknown[])
    : [];
  const initial = initialNodeSettings();
  return { ...initial, filterableAttributes: hasShardField(current) ? current : [...current, SHARD_FIELD] };
}
