// Primary key inference exactly as Meilisearch does it when neither the index nor the request names
// one: among the first document's top-level fields, those whose lower-cased name ends with `id`.
import { miroirError } from '#core/errors.ts';

export function primaryKeyCandidates(firstDocument: Record<string, unknown>): string[] {
  // Byte order, which for these keys is code point order; Meilisearch names the first two.
  return Object.keys(firstDocument)
    .filter((key) => key.toLowerCase().endsWith('id'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function inferPrimaryKey(firstDocument: Record<string, unknown>): string {
  const candidates = primaryKeyCandidates(firstDocument);
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length === 0) {
    throw miroirError(
      'index_primary_key_no_candidate_found',
      'The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter.',
    );
  }
  throw miroirError(
    'index_primary_key_multiple_candidates_found',
    `The primary key inference failed as the engine found ${candidates.length} fields ending with \`id\` in their names: '${candidates[0]}' and '${candidates[1]}'. Please specify the primary key manually using the \`primaryKey\` query parameter.`,
  );
}
