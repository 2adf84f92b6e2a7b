// Groups a write's items by shard (keeping the client's order inside each shard, so the last
// write of a primary key still wins) and cuts each shard's run into batches that fit one Kafka
// record: large batches for the indexers, never above the record size limit.
import { miroirError } from '../errors.ts';

/** Bytes of an Avro zig-zag varint of a non-negative length. */
export function varintSize(n: number): number {
  let z = n * 2;
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    size += 1;
  }
  return size;
}

/** Encoded bytes of one Avro string/bytes item of `length` bytes. */
export function avroItemSize(length: number): number {
  return varintSize(length) + length;
}

export interface BatchLimits {
  /** Soft target: a batch closes before it would exceed this many encoded bytes. */
  readonly batchBytes: number;
  /** Hard limit of one record: a single item that cannot fit is rejected. */
  readonly maxMessageBytes: number;
  /** Most items in one batch. */
  readonly maxItems: number;
}

export interface PartitionBatches {
  readonly partition: number;
  /** Item indexes (into the write's arrays) per batch, in client order. */
  readonly batches: number[][];
  /** Upper bound of the encoded size of each batch's record. */
  readonly sizes: number[];
  readonly items: number;
}

/**
 * `shards[i]` is the shard of item i; `itemCost(i)` its encoded bytes inside the event;
 * `baseSize` the encoded bytes of an event with no items. Returns touched partitions in order.
 */
export function splitIntoPartitionBatches(
  shardCount: number,
  shards: ArrayLike<number>,
  itemCount: number,
  itemCost: (i: number) => number,
  baseSize: number,
  limits: BatchLimits,
  describeItem: (i: number) => string,
): PartitionBatches[] {
  if (shards.length !== itemCount)
    throw miroirError('internal', `Got ${shards.length} shards for ${itemCount} items.`);
  const perShard: number[][] = Array.from({ length: shardCount }, () => []);
  for (let i = 0; i < itemCount; i += 1) {
    const shard = shards[i] as number;
    if (!Number.isInteger(shard) || shard < 0 || shard >= shardCount)
      throw miroirError('internal', `Shard ${shard} of item ${i} is outside 0..${shardCount - 1}.`);
    (perShard[shard] as number[]).push(i);
  }
  const result: PartitionBatches[] = [];
  for (let partition = 0; partition < shardCount; partition += 1) {
    const items = perShard[partition] as number[];
    if (items.length === 0) continue;
    const batches: number[][] = [];
    const sizes: number[] = [];
    let current: number[] = [];
    let size = baseSize;
    for (const i of items) {
      const cost = itemCost(i);
      if (baseSize + cost > limits.maxMessageBytes) {
        throw miroirError(
          'payload_too_large',
          `${describeItem(i)} is too large: its event needs ${baseSize + cost} bytes and the log accepts at most ${limits.maxMessageBytes} bytes per record.`,
        );
      }
      if (current.length > 0 && (size + cost > limits.batchBytes || current.length >= limits.maxItems)) {
        batches.push(current);
        sizes.push(size);
        current = [];
        size = baseSize;
      }
      current.push(i);
      size += cost;
    }
    batches.push(current);
    sizes.push(size);
    result.push({ partition, batches, sizes, items: items.length });
  }
  return result;
}
