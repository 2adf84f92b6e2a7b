// Group commit for the ingest producer: sends issued while a produce request is in flight wait
// for it, then leave together in the next request. The idempotent producer keeps one request in
// flight per broker anyway, so N concurrent writes then cost a few large requests per round trip
// instead of N small ones. Sends are queued per topic set ("lane"): within a lane, sends keep
// their call order in every partition; a failed request fails every send that shared it.
import type { LogMessage } from '#core/log/log-message.ts';

export type Produce = (messages: readonly LogMessage[]) => Promise<(number | null)[]>;

export interface ProduceBatcherLimits {
  /** A request stops taking further sends past this many value bytes (one send may exceed it alone). */
  readonly maxRequestBytes: number;
  /**
   * A further send joins only if no partition's record batch then exceeds this many value bytes:
   * Kafka checks `max.message.bytes` against a partition's whole batch, not each record.
   */
  readonly maxPartitionBytes: number;
}

/**
 * Smallest record-batch limit among Miroir's topics: the tasks and control topics keep the
 * broker's `message.max.bytes` default (1 MiB + 12 bytes). Document topics allow 16 MiB.
 */
export const DEFAULT_MAX_PARTITION_BATCH_BYTES = 1024 * 1024 - 64 * 1024;

interface PendingSend {
  readonly messages: readonly LogMessage[];
  readonly bytes: number;
  readonly partitionBytes: Map<string, number>;
  resolve(offsets: (number | null)[]): void;
  reject(err: unknown): void;
}

interface Lane {
  readonly queue: PendingSend[];
  busy: boolean;
}

export interface ProduceBatcher {
  /** Resolves with one offset per message, like `produce`, once its request was acknowledged. */
  send(messages: readonly LogMessage[]): Promise<(number | null)[]>;
}

function laneOf(messages: readonly LogMessage[]): string {
  const topics = new Set<string>();
  for (const m of messages) topics.add(m.topic);
  return [...topics].sort().join(' ');
}

function partitionBytesOf(messages: readonly LogMessage[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const m of messages) {
    const key = `${m.topic}\0${m.partition}`;
    sizes.set(key, (sizes.get(key) ?? 0) + m.value.length);
  }
  return sizes;
}

/** The sends at the head of `queue` that fit one request (always at least the first). */
function takeRequest(queue: PendingSend[], limits: ProduceBatcherLimits): PendingSend[] {
  const first = queue.shift() as PendingSend;
  const taken = [first];
  let bytes = first.bytes;
  const perPartition = new Map(first.partitionBytes);
  while (queue.length > 0) {
    const next = queue[0] as PendingSend;
    if (bytes + next.bytes > limits.maxRequestBytes) break;
    let fits = true;
    for (const [key, size] of next.partitionBytes) {
      if ((perPartition.get(key) ?? 0) + size > limits.maxPartitionBytes) {
        fits = false;
        break;
      }
    }
    if (!fits) break;
    queue.shift();
    taken.push(next);
    bytes += next.bytes;
    for (const [key, size] of next.partitionBytes) perPartition.set(key, (perPartition.get(key) ?? 0) + size);
  }
  return taken;
}

export function createProduceBatcher(produce: Produce, limits: ProduceBatcherLimits): ProduceBatcher {
  const lanes = new Map<string, Lane>();

  const drain = async (key: string, lane: Lane): Promise<void> => {
    while (lane.queue.length > 0) {
      const taken = takeRequest(lane.queue, limits);
      const messages =
        taken.length === 1 ? (taken[0] as PendingSend).messages : taken.flatMap((p) => p.messages);
      try {
        const offsets = await produce(messages);
        let at = 0;
        for (const pending of taken) {
          pending.resolve(offsets.slice(at, at + pending.messages.length));
          at += pending.messages.length;
        }
      } catch (err) {
        for (const pending of taken) pending.reject(err);
      }
    }
    lane.busy = false;
    lanes.delete(key);
  };

  return {
    send(messages) {
      if (messages.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        let bytes = 0;
        for (const m of messages) bytes += m.value.length;
        const key = laneOf(messages);
        let lane = lanes.get(key);
        if (lane === undefined) {
          lane = { queue: [], busy: false };
          lanes.set(key, lane);
        }
        lane.queue.push({ messages, bytes, partitionBytes: partitionBytesOf(messages), resolve, reject });
        if (!lane.busy) {
          lane.busy = true;
          void drain(key, lane);
        }
      });
    },
  };
}
