// A shallow copy of an object's own enumerable keys, but some, key by key: cheaper on the hot
// path than rest destructuring (V8's generic path). An own `__proto__` key (JSON.parse makes one
// from a `"__proto__"` field) stays a plain field, never the copy's prototype.

/** `source` without the keys `skip` names, in the source's key order. */
export function copyWithout(
  source: Record<string, unknown>,
  skip: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in source) {
    if (skip.has(key) || !Object.hasOwn(source, key)) continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: source[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = source[key];
  }
  return out;
}
