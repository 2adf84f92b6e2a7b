// Reads an index generation's whole document state back from the log (SPEC A9): the snapshot is
// the compacted changelog, the tail is the document topic from the changelog role's committed
// offsets (which the same transactions as the changelog records moved) to its end. Document
// topics may therefore keep only a finite retention: no reader needs a record older than those
// offsets. Folding a record again is harmless (every kind is idempotent on its own result), so a
// changelog a little ahead of the offsets read first costs nothing. The state goes to an on-disk
// store, never to a map that grows with the index.
import type { ChangelogStore } from '#adapters/changelog-store.ts';
import type { LogAdmin } from '#adapters/kafka.ts';
import { foldDocumentEvent, type ShardSettings, shardSettingsOf } from '#core/cdc/fold.ts';
import { ShardOverlay } from '#core/cdc/overlay.ts';
import type { DocumentEvent } from '#core/events/document-events.ts';
import { changelogGroupId } from '#core/log/consumer-groups.ts';
import { miroirError } from '#core/errors.ts';
import type { FolderDeps, FolderTarget } from './folder.ts';
import { restoreStore } from './restore.ts';

export interface IndexStateRead {
  /** Changes taken from the changelog topic. */
  readonly snapshotChanges: number;
  /** Document records folded from the document topic's tail. */
  readonly tailRecords: number;
  /** Per shard: the document-topic offset the state reflects (exclusive). */
  readonly positions: ReadonlyMap<number, number>;
}

export type IndexStateDeps = Pick<FolderDeps, 'kafka' | 'codec' | 'topicPrefix'> & {
  readonly admin: Pick<LogAdmin, 'fetchEndOffsets' | 'fetchCommits' | 'fetchLag'>;
};

/** Fills `store` (empty, or behind) with the generation's documents as of the document topic's end now. */
export async function readIndexState(
  store: ChangelogStore,
  target: FolderTarget,
  deps: IndexStateDeps,
): Promise<IndexStateRead> {
  const group = changelogGroupId(deps.topicPrefix, target.docsTopic);
  const commits = await deps.admin.fetchCommits(group, target.docsTopic);
  const snapshotChanges = await restoreStore(store, target, deps);
  const ends = await deps.admin.fetchEndOffsets(target.docsTopic);
  const starts = new Map(
    (await deps.admin.fetchLag(group, target.docsTopic)).map((l) => [l.partition, l.start]),
  );
  const from = new Map<number, number>();
  const settings = new Map<number, ShardSettings>();
  for (const [shard] of ends) {
    const commit = commits.get(shard);
    const offset = commit?.offset ?? 0;
    if (offset < (starts.get(shard) ?? 0))
      throw miroirError(
        'miroir_log_unavailable',
        `Shard ${shard} of ${target.docsTopic} is no longer in the log from offset ${offset}, where its changelog ends: the changelog role fell behind the document topic's retention.`,
      );
    from.set(shard, offset);
    settings.set(shard, shardSettingsOf(commit?.metadata));
  }
  let tailRecords = 0;
  await deps.kafka.readRange({
    topic: target.docsTopic,
    from,
    to: ends,
    groupPrefix: deps.topicPrefix,
    handler: async (shard, messages) => {
      const overlay = new ShardOverlay({
        get: (k) => store.get(shard, k),
        entries: () => store.entries(shard),
      });
      let current = settings.get(shard)!;
      for (const m of messages) {
        if (m.value === null) continue;
        let event: DocumentEvent;
        try {
          event = deps.codec.decode(m.value) as DocumentEvent;
        } catch {
          continue; // the changelog role set it aside in the dead-letter topic
        }
        current = foldDocumentEvent(event, overlay, current).settings;
        tailRecords++;
      }
      settings.set(shard, current);
      store.apply(
        [...overlay.changes()].map(([key, doc]) => ({ shard, key, doc })),
        new Map(),
      );
    },
  });
  return { snapshotChanges, tailRecords, positions: ends };
}
