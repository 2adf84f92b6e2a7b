// Routing many documents at once: shard numbers for a batch of primary keys (the hot path of
// ingest and replay), and a counting sort that groups the batch by shard. Owners are then a
// table lookup per shard, never per document.
import { miroirError } from '../errors.ts';
import { assertShardCount, shardKernel } from './hash.ts';

/**
 * shards[i] = shardOf(keys[i], table.shards), computed by the batch kernel. Pass `out` (at
 * least keys.length long) to reuse one buffer across batches.
 */
export function routeBatch(
  keys: readonly string[],
  table: { readonly shards: number },
  out?: Uint16Array,
): Uint16Array {
  assertShardCount(table.shards);
  if (!Array.isArray(keys)) throw miroirError('bad_request', 'routeBatch expects an array of primary keys.');
  const shards = out ?? new Uint16Array(keys.length);
  if (shards.length < keys.length) {
    throw miroirError(
      'internal',
      `routeBatch output holds ${shards.length} entries for ${keys.length} keys.`,
    );
  }
  shardKernel().shardsOf(keys, table.shards, shards);
  return shards;
}

export interface ShardBuckets {
  /** Documents of shard s are docs[offsets[s] .. offsets[s + 1]). */
  readonly offsets: Int32Array;
  /** Document positions in the batch, grouped by shard, batch order kept inside each shard. */
  readonly docs: Int32Array;
}

/** Stable counting sort of batch positions by shard: O(n + S), two typed arrays. */
export function bucketByShard(shards: Uint16Array, shardCount: number, length = shards.length): ShardBuckets {
  assertShardCount(shardCount);
  const offsets = new Int32Array(shardCount + 1);
  for (let i = 0; i < length; i++) {
    const shard = shards[i] as number;
    if (shard >= shardCount)
      throw miroirError(
        'internal',
        `Shard ${shard} at position ${i} is out of range for ${shardCount} shards.`,
      );
    offsets[shard + 1] = (offsets[shard + 1] as number) + 1;
  }
  for (let s = 0; s < shardCount; s++) offsets[s + 1] = (offsets[s + 1] as number) + (offsets[s] as number);
  const cursor = offsets.slice(0, shardCount);
  const docs = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const shard = shards[i] as number;
    const at = cursor[shard] as number;
    docs[at] = i;
    cursor[shard] = at + 1;
  }
  return { offsets, docs };
}
