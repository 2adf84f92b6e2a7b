// Sort keys for sortable fields and geo points, ordered as Meilisearch sorts facet values: numbers
// before strings in both directions, then documents without the field; a multi-valued document
// sorts at its best value. Keys are small integers (lower = first) so rules compare cheaply.
import type { FacetValueStore, FieldValues } from './facet-values.ts';
import { geoPoint, haversine } from './geo.ts';
import type { Document } from './types.ts';

export const MISSING_KEY = 0xffffffff;

export interface FieldSortKeys {
  asc: Uint32Array;
  desc: Uint32Array;
  /** The value a document sorts at, for `_rankingScoreDetails` (null when missing). */
  value(doc: number, ascending: boolean): number | string | null;
}

function best(v: FieldValues | undefined, ascending: boolean): number | string | null {
  if (!v) return null;
  if (v.numbers.length > 0) return ascending ? Math.min(...v.numbers) : Math.max(...v.numbers);
  if (v.strings.length > 0) {
    let b = v.strings[0] as string;
    for (const s of v.strings) if (ascending ? s < b : s > b) b = s;
    return b;
  }
  return null;
}

export function buildFieldSortKeys(store: FacetValueStore, field: string, slots: number): FieldSortKeys {
  const values = store.field(field);
  const nums = new Set<number>();
  const strs = new Set<string>();
  for (let d = 0; d < slots; d++) {
    const v = values[d];
    if (!v) continue;
    for (const n of v.numbers) nums.add(n);
    for (const s of v.strings) strs.add(s);
  }
  const numList = [...nums].sort((a, b) => a - b);
  const strList = [...strs].sort();
  const ascIndex = new Map<number | string, number>();
  numList.forEach((n, i) => ascIndex.set(n, i));
  strList.forEach((s, i) => ascIndex.set(`s:${s}`, numList.length + i));
  const descIndex = new Map<number | string, number>();
  [...numList].reverse().forEach((n, i) => descIndex.set(n, i));
  [...strList].reverse().forEach((s, i) => descIndex.set(`s:${s}`, numList.length + i));
  const asc = new Uint32Array(slots).fill(MISSING_KEY);
  const desc = new Uint32Array(slots).fill(MISSING_KEY);
  const keyOf = (b: number | string): number | string => (typeof b === 'number' ? b : `s:${b}`);
  for (let d = 0; d < slots; d++) {
    const v = values[d];
    const a = best(v, true);
    if (a !== null) asc[d] = ascIndex.get(keyOf(a)) as number;
    const z = best(v, false);
    if (z !== null) desc[d] = descIndex.get(keyOf(z)) as number;
  }
  return { asc, desc, value: (doc, ascending) => best(values[doc], ascending) };
}

/** `_geoPoint(lat, lng):asc|desc` parsed, or null when `rule` is not a geo sort. */
export function parseGeoSort(rule: string): { lat: number; lng: number; ascending: boolean } | null {
  const m = /^_geoPoint\(\s*([^,\s)]+)\s*,\s*([^,\s)]+)\s*\):(asc|desc)$/.exec(rule.trim());
  if (!m) return null;
  const lat = Number(m[1]);
  const lng = Number(m[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return null;
  return { lat, lng, ascending: m[3] === 'asc' };
}

export function geoDistance(doc: Document, target: readonly [number, number]): number | null {
  const p = geoPoint(doc);
  return p ? haversine(target, p) : null;
}
