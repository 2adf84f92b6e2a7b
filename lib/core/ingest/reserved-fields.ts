// Miroir keeps fields starting with `_miroir_` for itself (`_miroir_shard` is written on every
// stored document and stripped from every response), so a client document may not carry one.
import { miroirError } from '../errors.ts';

export const RESERVED_FIELD_PREFIX = '_miroir_';

/** Whether a field (or facet, or attribute) name is Miroir's own. Cheap for the common name. */
export function isReservedField(name: string): boolean {
  return name.charCodeAt(0) === 95 /* _ */ && name.startsWith(RESERVED_FIELD_PREFIX);
}

/** Throws `miroir_reserved_field` when a top-level field of the document is reserved. */
export function assertNoReservedFields(document: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(document)) {
    if (key.startsWith(RESERVED_FIELD_PREFIX)) {
      throw miroirError(
        'miroir_reserved_field',
        `Document has the reserved field \`${key}\`: fields starting with \`${RESERVED_FIELD_PREFIX}\` are reserved by Miroir.`,
      );
    }
  }
}

/** Settings whose values name document attributes. */
const ATTRIBUTE_SETTINGS = [
  'displayedAttributes',
  'searchableAttributes',
  'filterableAttributes',
  'sortableAttributes',
  'distinctAttribute',
] as const;

/** Throws `miroir_reserved_field` when a settings update names a reserved attribute (Miroir manages those on the nodes). */
export function assertNoReservedAttributes(settings: Readonly<Record<string, unknown>>): void {
  for (const key of ATTRIBUTE_SETTINGS) {
    const value = settings[key];
    const names = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    for (const name of names) {
      const patterns =
        typeof name === 'string'
          ? [name]
          : typeof name === 'object' && name !== null
            ? ((name as { attributePatterns?: unknown }).attributePatterns ?? [])
            : [];
      for (const pattern of Array.isArray(patterns) ? patterns : []) {
        if (typeof pattern === 'string' && pattern.startsWith(RESERVED_FIELD_PREFIX)) {
          throw miroirError(
            'miroir_reserved_field',
            `Setting \`${key}\` names the reserved attribute \`${pattern}\`: attributes starting with \`${RESERVED_FIELD_PREFIX}\` are reserved by Miroir.`,
          );
        }
      }
    }
  }
}
