// Index stats over one covering set: each shard counted once, so document counts and the field
// distribution add up exactly; byte sizes add up; the reserved `_miroir_*` fields stay hidden.
import { checkShardAnswers } from './merge-search.ts';
import { isReservedField } from '#core/ingest/reserved-fields.ts';
import { compareCodePoints } from './sort-values.ts';
import type { ShardAnswer } from './types.ts';

export interface IndexStatsBody {
  numberOfDocuments: number;
  rawDocumentDbSize?: number;
  avgDocumentSize?: number;
  isIndexing: boolean;
  internalDatabaseSizes?: Record<string, number>;
  numberOfEmbeddings?: number;
  numberOfEmbeddedDocuments?: number;
  fieldDistribution: Record<string, number>;
  [field: string]: unknown;
}

function checkStatsBody(body: IndexStatsBody): string | null {
  if (typeof body.numberOfDocuments !== 'number') return '`numberOfDocuments` is not a number';
  if (typeof body.fieldDistribution !== 'object' || body.fieldDistribution === null)
    return '`fieldDistribution` is not an object';
  return null;
}

function sumOf(
  answers: readonly ShardAnswer<IndexStatsBody>[],
  field: 'rawDocumentDbSize' | 'numberOfEmbeddings' | 'numberOfEmbeddedDocuments',
): number | undefined {
  const values = answers.map((answer) => answer.body[field]).filter((value) => typeof value === 'number');
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}

/**
 * milli's `DatabaseStats::average_value_size` over the whole index (not a mean of the shards'
 * averages): the documents database's size less an estimated 8 bytes of key per document, divided
 * by the documents, in integers.
 */
export function averageDocumentSize(rawDocumentDbSize: number, numberOfDocuments: number): number {
  if (numberOfDocuments === 0) return 0;
  return Math.floor(
    Math.max(0, rawDocumentDbSize - KEY_BYTES_PER_DOCUMENT * numberOfDocuments) / numberOfDocuments,
  );
}

/** milli's estimate of a documents database key: a u32 document id plus 4 bytes. */
const KEY_BYTES_PER_DOCUMENT = 8;

/** Merged `GET /indexes/{uid}/stats` (shards asked with the default raw size format). */
export function mergeStats(shardResponses: readonly ShardAnswer<IndexStatsBody>[]): IndexStatsBody {
  checkShardAnswers(shardResponses, checkStatsBody);
  const numberOfDocuments = shardResponses.reduce((sum, answer) => sum + answer.body.numberOfDocuments, 0);
  const raw = sumOf(shardResponses, 'rawDocumentDbSize');
  const internal: Record<string, number> = {};
  let hasInternal = false;
  for (const answer of shardResponses) {
    for (const [name, size] of Object.entries(answer.body.internalDatabaseSizes ?? {})) {
      if (typeof size !== 'number') continue;
      hasInternal = true;
      internal[name] = (internal[name] ?? 0) + size;
    }
  }
  const fields = new Map<string, number>();
  for (const answer of shardResponses) {
    for (const [field, count] of Object.entries(answer.body.fieldDistribution)) {
      if (isReservedField(field) || typeof count !== 'number') continue;
      fields.set(field, (fields.get(field) ?? 0) + count);
    }
  }
  const fieldDistribution: Record<string, number> = {};
  // Meilisearch serializes a BTreeMap: field names in byte order.
  for (const field of [...fields.keys()].sort(compareCodePoints))
    fieldDistribution[field] = fields.get(field) as number;

  // Keys in Meilisearch's order.
  const out = { numberOfDocuments } as IndexStatsBody;
  if (raw !== undefined) {
    out.rawDocumentDbSize = raw;
    out.avgDocumentSize = averageDocumentSize(raw, numberOfDocuments);
  }
  out.isIndexing = shardResponses.some((answer) => answer.body.isIndexing === true);
  if (hasInternal) out.internalDatabaseSizes = internal;
  const embeddings = sumOf(shardResponses, 'numberOfEmbeddings');
  if (embeddings !== undefined) out.numberOfEmbeddings = embeddings;
  const embedded = sumOf(shardResponses, 'numberOfEmbeddedDocuments');
  if (embedded !== undefined) out.numberOfEmbeddedDocuments = embedded;
  out.fieldDistribution = fieldDistribution;
  return out;
}
