// Meilisearch index settings as one normalized shape (every field present), their v1.x defaults
// (v1.36+ ranking rules) and the shape of a partial change. Shared by devnode, which applies them,
// and the roles, which validate and show the client's settings.

export interface TypoToleranceSettings {
  enabled: boolean;
  minWordSizeForTypos: { oneTypo: number; twoTypos: number };
  disableOnWords: string[];
  disableOnAttributes: string[];
  disableOnNumbers: boolean;
}

/** A `filterableAttributes` entry in object form (Meilisearch v1.14+), features filled with their defaults. */
export interface FilterableAttributeRule {
  attributePatterns: string[];
  features: { facetSearch: boolean; filter: { equality: boolean; comparison: boolean } };
}

/** The full, normalized settings of one index (every field present, Meilisearch defaults filled). */
export interface IndexSettings {
  displayedAttributes: string[]; // ['*'] = all
  searchableAttributes: string[]; // ['*'] = all, in order of first appearance
  /** The attribute patterns of `filterableRules`, flattened: what devnode's engine matches. */
  filterableAttributes: string[];
  /** `filterableAttributes` as the client set it (strings and object rules, in its order). */
  filterableRules?: (string | FilterableAttributeRule)[];
  sortableAttributes: string[];
  rankingRules: string[];
  stopWords: string[];
  nonSeparatorTokens: string[];
  separatorTokens: string[];
  dictionary: string[];
  synonyms: Record<string, string[]>;
  distinctAttribute: string | null;
  proximityPrecision: 'byWord' | 'byAttribute';
  typoTolerance: TypoToleranceSettings;
  faceting: { maxValuesPerFacet: number; sortFacetValuesBy: Record<string, 'alpha' | 'count'> };
  pagination: { maxTotalHits: number };
  searchCutoffMs: number | null;
  facetSearch: boolean;
  prefixSearch: 'indexingTime' | 'disabled';
}

/**
 * A validated settings change as sent: each present key replaces that setting (objects such as
 * `typoTolerance` merge key by key), `null` resets it to the default.
 */
export type SettingsPatch = Partial<Record<keyof IndexSettings, unknown>>;

export function defaultSettings(): IndexSettings {
  return {
    displayedAttributes: ['*'],
    searchableAttributes: ['*'],
    filterableAttributes: [],
    sortableAttributes: [],
    rankingRules: ['words', 'typo', 'proximity', 'attributeRank', 'sort', 'wordPosition', 'exactness'],
    stopWords: [],
    nonSeparatorTokens: [],
    separatorTokens: [],
    dictionary: [],
    synonyms: {},
    distinctAttribute: null,
    proximityPrecision: 'byWord',
    typoTolerance: {
      enabled: true,
      minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
      disableOnWords: [],
      disableOnAttributes: [],
      disableOnNumbers: false,
    },
    faceting: { maxValuesPerFacet: 100, sortFacetValuesBy: { '*': 'alpha' } },
    pagination: { maxTotalHits: 1000 },
    searchCutoffMs: null,
    facetSearch: true,
    prefixSearch: 'indexingTime',
  };
}
