// Retires a deleted index generation: every document its state still holds gets a delete and a
// tombstone in the changelog, in one transaction, so a consumer (and compaction) sees the index
// emptied as Meilisearch's index deletion empties it; then the state file goes.
import { rmSync } from 'node:fs';
import { openChangelogStore } from '#adapters/changelog-store.ts';
import type { OutgoingMessage } from '#adapters/kafka.ts';
import { changeRecords } from '#core/cdc/envelope.ts';
import { changelogGroupId } from '#core/log/consumer-groups.ts';
import { avroSchemaIdOf, type FolderDeps, type FolderTarget } from './folder.ts';
import { restoreStore, storePathOf } from './restore.ts';

const CHUNK = 2_000;

export async function retireGeneration(target: FolderTarget, deps: FolderDeps): Promise<number> {
  const path = storePathOf(target, deps);
  const producer = await deps.kafka.transactionalProducer({
    transactionalId: changelogGroupId(deps.topicPrefix, target.docsTopic),
    compression: deps.compression,
  });
  const store = openChangelogStore(path);
  let deleted = 0;
  try {
    await restoreStore(store, target, deps);
    const avroSchemaId = await avroSchemaIdOf(target, deps);
    const now = Date.now();
    await producer.transaction(async (txn) => {
      let buffer: OutgoingMessage[] = [];
      for (const shard of store.shards()) {
        for (const [key, doc] of store.entries(shard)) {
          const source = {
            index: target.indexUid,
            generation: target.generation,
            shard,
            topic: target.docsTopic,
            partition: shard,
            offset: -1,
            seq: deleted,
            taskUid: null,
            settingsVersion: -1,
            eventId: `${target.docsTopic}:deleted`,
            ts_ms: now,
          };
          for (const r of changeRecords(
            { op: 'd', key, before: doc, after: null },
            source,
            now,
            avroSchemaId,
          ))
            buffer.push({ topic: target.changelogTopic, key: r.key, value: r.value, headers: r.headers });
          deleted++;
          if (buffer.length >= CHUNK) {
            await txn.send(buffer);
            buffer = [];
          }
        }
      }
      if (buffer.length > 0) await txn.send(buffer);
    });
  } finally {
    store.close();
    await producer.close().catch(() => {});
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  deps.logger.info(
    { index: target.indexUid, topic: target.docsTopic, deleted },
    'changelog of a deleted generation retired',
  );
  return deleted;
}
