// Meilisearch's attribute patterns (`filterableAttributes`, `searchableAttributes`...): a pattern
// covers the field itself, every field nested under it, and `*` wildcards at either end.

/** True when `field` is `pattern`, lies under it (`a` covers `a.b`) or matches a `*` wildcard pattern. */
export function fieldMatchesPattern(field: string, pattern: string): boolean {
  if (pattern === '*' || pattern === field) return true;
  if (field.startsWith(pattern) && field.charCodeAt(pattern.length) === 46) return true;
  if (pattern.includes('*')) {
    if (pattern.endsWith('*') && field.startsWith(pattern.slice(0, -1))) return true;
    if (pattern.startsWith('*') && field.endsWith(pattern.slice(1))) return true;
  }
  return false;
}

/** True when some pattern of the list covers `field`. */
export function matchesAnyPattern(field: string, patterns: readonly string[]): boolean {
  for (const p of patterns) if (fieldMatchesPattern(field, p)) return true;
  return false;
}
