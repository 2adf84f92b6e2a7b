// The `_miroir_shard` field every stored document carries (SPEC A5): written into each document
// on its way to a node, and used as the filter that confines index-wide deletions to one shard
// (a node holds several shards whose events it applies at different paces) and a node's search to
// the shards it answers for.
//
// The shard is stored as the name of a null-valued key, `"_miroir_shard":{"s3":null}`, never as a
// value: with `searchableAttributes: ["*"]` (the default) every value is searchable, and a stored
// number would make the query `3` match every document of shard 3. A null value yields no word,
// while `_miroir_shard.s3 EXISTS` still selects the shard (EXISTS holds for null values, and the
// nested field is filterable through its parent `_miroir_shard`).

export const SHARD_FIELD = '_miroir_shard';

/** The nested field that marks a document of `shard`: `_miroir_shard.s<shard>`. */
export function shardMarker(shard: number): string {
  return `${SHARD_FIELD}.s${shard}`;
}

/** A parsed document as a node stores it: with `"_miroir_shard": {"s<shard>": null}` added. */
export function withShardValue<T extends object>(
  doc: T,
  shard: number,
): T & { [SHARD_FIELD]: Record<string, null> } {
  return { ...doc, [SHARD_FIELD]: { [`s${shard}`]: null } };
}

/** The filter selecting the documents of `shards` (one or more). */
export function shardClause(shards: number | readonly number[]): string {
  if (typeof shards === 'number') return `${shardMarker(shards)} EXISTS`;
  return shards.map((shard) => `${shardMarker(shard)} EXISTS`).join(' OR ');
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * The document's JSON with `"_miroir_shard":{"s<shard>":null}` added as its last field, spliced into the
 * bytes rather than parsed and re-serialized (the body stays as the client sent it, and the
 * indexer does not pay a JSON round trip per document). Ingest rejects client documents that
 * already hold a `_miroir_*` field, so the key is never duplicated. A body that is not a JSON
 * object is returned unchanged: the node rejects it and the batch bisect sends it to the DLQ.
 */
export function withShardField(body: Buffer, shard: number): Buffer {
  let start = 0;
  let end = body.length - 1;
  while (start <= end && isSpace(body[start])) start += 1;
  while (end >= start && isSpace(body[end])) end -= 1;
  if (end <= start || body[start] !== OPEN || body[end] !== CLOSE) return body;
  let inner = start + 1;
  while (inner < end && isSpace(body[inner])) inner += 1;
  const empty = inner === end;
  const field = Buffer.from(`${empty ? '' : ','}"${SHARD_FIELD}":{"s${shard}":null}}`, 'utf8');
  const out = Buffer.allocUnsafe(end - start + field.length);
  body.copy(out, 0, start, end);
  field.copy(out, end - start);
  return out;
}

/** A Meilisearch filter as a delete-by-filter body takes it: a string, or an array (AND of strings or OR-arrays). */
export type NodeFilter = string | (string | string[])[];

/**
 * `(<client filter>) AND _miroir_shard.s<shard> EXISTS`, in Meilisearch's array form (elements are
 * ANDed), so the client's expression is never re-parsed or re-quoted. `clientFilterJson` is the
 * filter as the event carries it: the client's string or array, as JSON text.
 */
export function shardFilter(clientFilterJson: string, shard: number): NodeFilter {
  let filter: unknown;
  try {
    filter = JSON.parse(clientFilterJson);
  } catch {
    // Not JSON text: the event holds a bare filter string.
    filter = clientFilterJson;
  }
  if (typeof filter === 'string') return [filter, shardClause(shard)];
  if (Array.isArray(filter)) return [...(filter as (string | string[])[]), shardClause(shard)];
  // Any other shape is sent as is with the shard clause; the node rejects it and the event goes to the DLQ.
  return [filter as string, shardClause(shard)];
}
