// Document field helpers: flattening nested objects into dotted names (as Meilisearch does for
// search, filters and facets), attribute pattern matching, and `attributesToRetrieve` projection.
import { fieldMatchesPattern, matchesAnyPattern as matchesAny } from '#core/meili/field-patterns.ts';
import type { Document } from './types.ts';

/** Flattened view: dotted field name -> every primitive value found under it (arrays expanded). */
export type FlatDocument = Map<string, unknown[]>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flattenInto(value: unknown, name: string, out: FlatDocument, keepEmpty: boolean): void {
  if (Array.isArray(value)) {
    if (value.length === 0 && keepEmpty) push(out, name, value);
    for (const item of value) flattenInto(item, name, out, false);
    return;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && keepEmpty) push(out, name, value);
    for (const key of keys) flattenInto(value[key], name === '' ? key : `${name}.${key}`, out, true);
    return;
  }
  push(out, name, value);
}

function push(out: FlatDocument, name: string, value: unknown): void {
  const list = out.get(name);
  if (list) list.push(value);
  else out.set(name, [value]);
}

/** Flattens a document; empty arrays/objects are kept as values so `IS EMPTY` can see them. */
export function flattenDocument(doc: Document): FlatDocument {
  const out: FlatDocument = new Map();
  for (const key of Object.keys(doc)) flattenInto(doc[key], key, out, true);
  return out;
}

// Meilisearch's attribute patterns have one home in core; devnode's engine uses them from there.
export { fieldMatchesPattern, matchesAny };

/** True when `field` may hold values under a selected pattern (a parent of a selected nested field). */
function isParentOf(field: string, pattern: string): boolean {
  return pattern.startsWith(field) && pattern.charCodeAt(field.length) === 46;
}

/**
 * Keeps the fields of `doc` selected by `patterns` (dotted names select inside nested objects),
 * in the document's own key order.
 */
export function projectDocument(doc: Document, patterns: readonly string[]): Document {
  if (patterns.includes('*')) return { ...doc };
  return projectObject(doc, '', patterns) ?? {};
}

function projectObject(
  obj: Record<string, unknown>,
  prefix: string,
  patterns: readonly string[],
): Document | undefined {
  const out: Document = {};
  let any = false;
  for (const key of Object.keys(obj)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    const value = obj[key];
    if (matchesAny(name, patterns)) {
      out[key] = value;
      any = true;
    } else if (isPlainObject(value) && patterns.some((p) => isParentOf(name, p))) {
      const inner = projectObject(value, name, patterns);
      if (inner) {
        out[key] = inner;
        any = true;
      }
    } else if (Array.isArray(value) && patterns.some((p) => isParentOf(name, p))) {
      const items = value
        .filter(isPlainObject)
        .map((v) => projectObject(v, name, patterns))
        .filter((v): v is Document => v !== undefined);
      if (items.length > 0) {
        out[key] = items;
        any = true;
      }
    }
  }
  return any ? out : undefined;
}
