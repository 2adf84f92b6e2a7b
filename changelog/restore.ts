// Brings a generation's on-disk state up to its changelog topic's committed end (Kafka Streams
// restores a state store from its changelog topic the same way): the store records how far it
// reflects each changelog partition, so a restore reads only what it missed; a lost file reads
// the compacted topic from the start.
import { join } from 'node:path';
import type { ChangelogStore, StoredChange } from '#adapters/changelog-store.ts';
import type { ConsumedMessage } from '#adapters/kafka.ts';
import { parseChangeEnvelope } from '#core/cdc/envelope.ts';
import { shardOf } from '#core/routing/hash.ts';
import type { FolderDeps, FolderTarget } from './folder.ts';

export function storePathOf(target: FolderTarget, deps: Pick<FolderDeps, 'dataDir'>): string {
  return join(deps.dataDir, `${target.docsTopic}.sqlite`);
}

/** Returns how many changes it applied. The caller's transactional producer must be connected first. */
export async function restoreStore(
  store: ChangelogStore,
  target: FolderTarget,
  deps: Pick<FolderDeps, 'kafka' | 'admin' | 'topicPrefix'>,
): Promise<number> {
  const to = await deps.admin.fetchEndOffsets(target.changelogTopic);
  let restored = 0;
  await deps.kafka.readRange({
    topic: target.changelogTopic,
    from: store.restoredOffsets(),
    to,
    groupPrefix: deps.topicPrefix,
    handler: async (partition, messages) => {
      const changes = messages.flatMap((m) => restoredChange(m, target));
      restored += changes.length;
      const last = messages[messages.length - 1];
      store.apply(changes, new Map([[partition, (last?.offset ?? -1) + 1]]));
    },
  });
  store.apply([], to);
  return restored;
}

function restoredChange(message: ConsumedMessage, target: FolderTarget): StoredChange[] {
  const key = message.key?.toString('utf8');
  if (key === undefined) return [];
  const envelope = parseChangeEnvelope(message.value);
  // A tombstone whose delete record compaction already dropped: the key is gone.
  if (envelope === null)
    return target.shards > 0 ? [{ shard: shardOf(key, target.shards), key, doc: null }] : [];
  if (envelope.source.topic !== target.docsTopic) return [];
  return [
    { shard: envelope.source.shard, key, doc: envelope.op === 'd' ? null : JSON.stringify(envelope.after) },
  ];
}
