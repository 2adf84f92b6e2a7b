// Settings as Meilisearch validates and merges them: the 20-key object of GET, each key's
// `invalid_settings_*` code and shape checks, the sub-route table, and the PATCH merge rule
// (a sent key replaces, sub-objects merge key by key, `null` resets to the default).
import { miroirError, type ErrorCode } from '#core/errors.ts';
import {
  defaultSettings,
  type FilterableAttributeRule,
  type IndexSettings,
  type SettingsPatch,
} from './settings.ts';
import {
  expectObject,
  JsonFields,
  kindOf,
  typeError,
  unknownValueError,
  valueError,
  type JsonObject,
} from './deserr.ts';

/** Every key of the settings object, in Meilisearch's order. */
export const SETTINGS_KEYS = [
  'displayedAttributes',
  'searchableAttributes',
  'filterableAttributes',
  'sortableAttributes',
  'rankingRules',
  'stopWords',
  'nonSeparatorTokens',
  'separatorTokens',
  'dictionary',
  'synonyms',
  'distinctAttribute',
  'proximityPrecision',
  'typoTolerance',
  'faceting',
  'pagination',
  'embedders',
  'searchCutoffMs',
  'localizedAttributes',
  'facetSearch',
  'prefixSearch',
] as const;
export type SettingsKey = (typeof SETTINGS_KEYS)[number];

/** Sub-routes: path segment -> key and the verb that updates it. */
export const SETTINGS_ROUTES: { path: string; key: SettingsKey; verb: 'PUT' | 'PATCH' }[] = [
  { path: 'displayed-attributes', key: 'displayedAttributes', verb: 'PUT' },
  { path: 'searchable-attributes', key: 'searchableAttributes', verb: 'PUT' },
  { path: 'filterable-attributes', key: 'filterableAttributes', verb: 'PUT' },
  { path: 'sortable-attributes', key: 'sortableAttributes', verb: 'PUT' },
  { path: 'ranking-rules', key: 'rankingRules', verb: 'PUT' },
  { path: 'stop-words', key: 'stopWords', verb: 'PUT' },
  { path: 'non-separator-tokens', key: 'nonSeparatorTokens', verb: 'PUT' },
  { path: 'separator-tokens', key: 'separatorTokens', verb: 'PUT' },
  { path: 'dictionary', key: 'dictionary', verb: 'PUT' },
  { path: 'synonyms', key: 'synonyms', verb: 'PUT' },
  { path: 'distinct-attribute', key: 'distinctAttribute', verb: 'PUT' },
  { path: 'proximity-precision', key: 'proximityPrecision', verb: 'PUT' },
  { path: 'typo-tolerance', key: 'typoTolerance', verb: 'PATCH' },
  { path: 'faceting', key: 'faceting', verb: 'PATCH' },
  { path: 'pagination', key: 'pagination', verb: 'PATCH' },
  { path: 'embedders', key: 'embedders', verb: 'PATCH' },
  { path: 'search-cutoff-ms', key: 'searchCutoffMs', verb: 'PUT' },
  { path: 'localized-attributes', key: 'localizedAttributes', verb: 'PUT' },
  { path: 'facet-search', key: 'facetSearch', verb: 'PUT' },
  { path: 'prefix-search', key: 'prefixSearch', verb: 'PUT' },
];

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const settingsCode = (key: SettingsKey): ErrorCode => `invalid_settings_${snake(key)}` as ErrorCode;

const RANKING_RULE_NAMES = [
  'words',
  'typo',
  'proximity',
  'attribute',
  'attributeRank',
  'wordPosition',
  'sort',
  'exactness',
];
const RESERVED = ['_geo', '_geoDistance', '_geoPoint', '_geoRadius', '_geoBoundingBox'];

function stringList(value: unknown, code: ErrorCode, path: string): string[] {
  if (!Array.isArray(value)) throw typeError(code, path, ['array'], value);
  return value.map((v, i) => {
    if (typeof v !== 'string') throw typeError(code, `${path}[${i}]`, ['string'], v);
    return v;
  });
}

function rankingRules(value: unknown, path: string): string[] {
  const code = settingsCode('rankingRules');
  return stringList(value, code, path).map((rule, i) => {
    const custom = /^(.+):(asc|desc)$/.exec(rule);
    if (custom) {
      if (RESERVED.includes(custom[1]!)) {
        throw valueError(
          code,
          `${path}[${i}]`,
          `\`${custom[1]}\` is a reserved keyword and thus can't be used as a ranking rule`,
        );
      }
      return rule;
    }
    if (!RANKING_RULE_NAMES.includes(rule)) {
      throw valueError(
        code,
        `${path}[${i}]`,
        `\`${rule}\` ranking rule is invalid. Valid ranking rules are words, typo, sort, proximity, attribute, exactness and custom ranking rules.`,
      );
    }
    return rule;
  });
}

/** Strings, or `{attributePatterns, features}` objects, kept in the sent order (Meilisearch keeps it). */
function filterableAttributes(value: unknown, path: string): (string | FilterableAttributeRule)[] {
  const code = settingsCode('filterableAttributes');
  if (!Array.isArray(value)) throw typeError(code, path, ['array'], value);
  return value.map((item, i) => {
    if (typeof item === 'string') return item;
    if (kindOf(item) !== 'object') throw typeError(code, `${path}[${i}]`, ['string', 'object'], item);
    const itemPath = `${path}[${i}]`;
    const obj = expectObject(item, ['attributePatterns', 'features'], code, itemPath);
    if (obj.attributePatterns === undefined)
      throw miroirError(code, `Missing field \`attributePatterns\` inside \`${itemPath}\``);
    const rule: FilterableAttributeRule = {
      attributePatterns: stringList(obj.attributePatterns, code, `${itemPath}.attributePatterns`),
      features: { facetSearch: false, filter: { equality: true, comparison: false } },
    };
    if (obj.features !== undefined && obj.features !== null) {
      const featuresPath = `${itemPath}.features`;
      const features = new JsonFields(
        expectObject(obj.features, ['facetSearch', 'filter'], code, featuresPath),
        featuresPath,
      );
      rule.features.facetSearch = features.bool('facetSearch', code, true) ?? false;
      if (features.obj.filter !== undefined && features.obj.filter !== null) {
        const filterPath = `${featuresPath}.filter`;
        const filter = new JsonFields(
          expectObject(features.obj.filter, ['equality', 'comparison'], code, filterPath),
          filterPath,
        );
        rule.features.filter = {
          equality: filter.bool('equality', code, true) ?? true,
          comparison: filter.bool('comparison', code, true) ?? false,
        };
      }
    }
    return rule;
  });
}

/** The attribute patterns of a `filterableAttributes` list (strings and object rules), in order. */
export function filterablePatterns(list: readonly (string | FilterableAttributeRule)[]): string[] {
  return list.flatMap((item) => (typeof item === 'string' ? [item] : item.attributePatterns));
}

/** Meilisearch keeps these lists as sets: sorted, without duplicates. */
function sortedSet(list: string[]): string[] {
  return [...new Set(list)].sort();
}

function synonyms(value: unknown, path: string): Record<string, string[]> {
  const code = settingsCode('synonyms');
  if (kindOf(value) !== 'object') throw typeError(code, path, ['object'], value);
  const out: Record<string, string[]> = {};
  // Meilisearch keeps synonyms in a sorted map.
  const entries = Object.entries(value as JsonObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [word, list] of entries) out[word] = stringList(list, code, `${path}.${word}`);
  return out;
}

function u8(fields: JsonFields, key: string, code: ErrorCode): number | undefined {
  const v = fields.usize(key, code, true);
  if (v !== undefined && v > 255) throw typeError(code, `${fields.path}.${key}`, ['integer'], v);
  return v;
}

function typoTolerance(value: unknown, path: string): JsonObject {
  const code = settingsCode('typoTolerance');
  const obj = expectObject(
    value,
    ['enabled', 'minWordSizeForTypos', 'disableOnWords', 'disableOnAttributes', 'disableOnNumbers'],
    code,
    path,
  );
  const f = new JsonFields(obj, path);
  const out: JsonObject = {};
  const enabled = f.bool('enabled', code, true);
  if (enabled !== undefined) out.enabled = enabled;
  if (obj.minWordSizeForTypos !== undefined && obj.minWordSizeForTypos !== null) {
    const sizesPath = `${path}.minWordSizeForTypos`;
    const sizes = new JsonFields(
      expectObject(obj.minWordSizeForTypos, ['oneTypo', 'twoTypos'], code, sizesPath),
      sizesPath,
    );
    const one = u8(sizes, 'oneTypo', code);
    const two = u8(sizes, 'twoTypos', code);
    const m: JsonObject = {};
    if (one !== undefined) m.oneTypo = one;
    if (two !== undefined) m.twoTypos = two;
    out.minWordSizeForTypos = m;
  }
  const words = f.stringArray('disableOnWords', code);
  if (words !== undefined) out.disableOnWords = sortedSet(words);
  const attrs = f.stringArray('disableOnAttributes', code);
  if (attrs !== undefined) out.disableOnAttributes = sortedSet(attrs);
  const numbers = f.bool('disableOnNumbers', code, true);
  if (numbers !== undefined) out.disableOnNumbers = numbers;
  return out;
}

function faceting(value: unknown, path: string): JsonObject {
  const code = settingsCode('faceting');
  const obj = expectObject(value, ['maxValuesPerFacet', 'sortFacetValuesBy'], code, path);
  const f = new JsonFields(obj, path);
  const out: JsonObject = {};
  const max = f.usize('maxValuesPerFacet', code, true);
  if (max !== undefined) out.maxValuesPerFacet = max;
  if (obj.sortFacetValuesBy !== undefined && obj.sortFacetValuesBy !== null) {
    const byPath = `${path}.sortFacetValuesBy`;
    if (kindOf(obj.sortFacetValuesBy) !== 'object')
      throw typeError(code, byPath, ['object'], obj.sortFacetValuesBy);
    const by: Record<string, string> = {};
    for (const [attr, order] of Object.entries(obj.sortFacetValuesBy as JsonObject)) {
      if (typeof order !== 'string') throw typeError(code, `${byPath}.${attr}`, ['string'], order);
      if (order !== 'alpha' && order !== 'count')
        throw unknownValueError(code, order, ['alpha', 'count'], `${byPath}.${attr}`);
      by[attr] = order;
    }
    out.sortFacetValuesBy = by;
  }
  return out;
}

function pagination(value: unknown, path: string): JsonObject {
  const code = settingsCode('pagination');
  const obj = expectObject(value, ['maxTotalHits'], code, path);
  const max = new JsonFields(obj, path).usize('maxTotalHits', code, true);
  if (max === 0)
    throw valueError(
      code,
      `${path}.maxTotalHits`,
      'a non-zero integer value lower than `18446744073709551615` was expected',
    );
  return max === undefined ? {} : { maxTotalHits: max };
}

/** Validates one setting's sent value (never null: the caller handles resets). */
export function validateSetting(key: SettingsKey, value: unknown, path: string): unknown {
  const code = settingsCode(key);
  switch (key) {
    case 'displayedAttributes':
    case 'searchableAttributes':
      return stringList(value, code, path);
    case 'sortableAttributes':
    case 'stopWords':
    case 'nonSeparatorTokens':
    case 'separatorTokens':
    case 'dictionary':
      return sortedSet(stringList(value, code, path));
    case 'filterableAttributes':
      return filterableAttributes(value, path);
    case 'rankingRules':
      return rankingRules(value, path);
    case 'synonyms':
      return synonyms(value, path);
    case 'distinctAttribute':
      if (typeof value !== 'string') throw typeError(code, path, ['string'], value);
      return value;
    case 'proximityPrecision':
      if (typeof value !== 'string') throw typeError(code, path, ['string'], value);
      if (value !== 'byWord' && value !== 'byAttribute')
        throw unknownValueError(code, value, ['byWord', 'byAttribute'], path);
      return value;
    case 'typoTolerance':
      return typoTolerance(value, path);
    case 'faceting':
      return faceting(value, path);
    case 'pagination':
      return pagination(value, path);
    case 'embedders':
      if (kindOf(value) !== 'object') throw typeError(code, path, ['object'], value);
      if (Object.keys(value as JsonObject).length > 0)
        throw miroirError(
          code,
          'devnode does not support embedders: only an empty `embedders` object is accepted.',
        );
      return {};
    case 'searchCutoffMs':
      if (kindOf(value) !== 'integer') throw typeError(code, path, ['integer'], value);
      return value;
    case 'localizedAttributes':
      if (!Array.isArray(value)) throw typeError(code, path, ['array'], value);
      return value;
    case 'facetSearch':
      if (typeof value !== 'boolean') throw typeError(code, path, ['boolean'], value);
      return value;
    case 'prefixSearch':
      if (typeof value !== 'string') throw typeError(code, path, ['string'], value);
      if (value !== 'indexingTime' && value !== 'disabled')
        throw unknownValueError(code, value, ['indexingTime', 'disabled'], path);
      return value;
  }
}

/** The body of `PATCH /settings`: returns the validated patch (also the task's `details`). */
export function parseSettingsBody(body: unknown): SettingsPatch {
  const obj = expectObject(body, SETTINGS_KEYS);
  const patch: Record<string, unknown> = {};
  for (const key of SETTINGS_KEYS) {
    if (!(key in obj)) continue;
    const value = obj[key];
    patch[key] = value === null ? null : validateSetting(key, value, `.${key}`);
  }
  return patch;
}

/** Applies a patch to full settings; keys the engine does not model (embedders, localizedAttributes) are dropped. */
export function mergeSettings(current: IndexSettings, patch: SettingsPatch): IndexSettings {
  const defaults = defaultSettings();
  const next: IndexSettings = structuredClone(current);
  const target = next as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'embedders' || key === 'localizedAttributes') continue;
    const k = key as keyof IndexSettings;
    if (value === null) {
      target[k] = structuredClone(defaults[k]);
      if (k === 'filterableAttributes') delete next.filterableRules;
    } else if (k === 'typoTolerance') {
      const v = value as Partial<IndexSettings['typoTolerance']>;
      next.typoTolerance = {
        ...next.typoTolerance,
        ...v,
        minWordSizeForTypos: { ...next.typoTolerance.minWordSizeForTypos, ...v.minWordSizeForTypos },
      };
    } else if (k === 'faceting') {
      const v = value as Partial<IndexSettings['faceting']>;
      next.faceting = {
        ...next.faceting,
        ...v,
        sortFacetValuesBy: v.sortFacetValuesBy
          ? { '*': 'alpha', ...v.sortFacetValuesBy }
          : next.faceting.sortFacetValuesBy,
      };
    } else if (k === 'pagination') {
      next.pagination = { ...next.pagination, ...(value as Partial<IndexSettings['pagination']>) };
    } else if (k === 'filterableAttributes') {
      next.filterableRules = value as (string | FilterableAttributeRule)[];
      next.filterableAttributes = filterablePatterns(next.filterableRules);
    } else if (k === 'displayedAttributes' || k === 'searchableAttributes') {
      target[k] = [...new Set(value as string[])];
    } else {
      target[k] = value;
    }
  }
  return next;
}

/** The public settings object (20 keys, Meilisearch's order). */
export function settingsView(settings: IndexSettings): Record<SettingsKey, unknown> {
  const view = {} as Record<SettingsKey, unknown>;
  for (const key of SETTINGS_KEYS) {
    if (key === 'embedders') view.embedders = {};
    else if (key === 'localizedAttributes') view.localizedAttributes = null;
    else if (key === 'filterableAttributes')
      view.filterableAttributes = settings.filterableRules ?? settings.filterableAttributes;
    else view[key] = settings[key];
  }
  return view;
}

/** Checks of a typo tolerance patch that need both sizes: oneTypo must not exceed twoTypos. */
export function checkTypoSizes(settings: IndexSettings): void {
  const { oneTypo, twoTypos } = settings.typoTolerance.minWordSizeForTypos;
  if (oneTypo > twoTypos) {
    throw miroirError(
      'invalid_settings_typo_tolerance',
      '`minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found `oneTypo: ' +
        oneTypo +
        '` and twoTypos: `' +
        twoTypos +
        '`.',
    );
  }
}
