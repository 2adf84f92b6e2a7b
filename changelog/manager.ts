// Keeps one changelog folder per live index generation, following the topology: a new index
// gets its changelog (and dead-letter) topic and a folder; a deleted one is retired, which
// writes a delete and a tombstone for each document it still held, so the compacted changelog
// ends empty for it, and drops its on-disk state. Reconciles run one at a time.
import { readdirSync, rmSync } from 'node:fs';
import { openChangelogStore } from '#adapters/changelog-store.ts';
import { knownTopics, type KnownTopics } from '#adapters/kafka.ts';
import { join } from 'node:path';
import { docsTopicOf, type TopicNames } from '#core/log/topics.ts';
import {
  changelogTopicSpec,
  dlqTopicSpec,
  type TopicPolicy,
  type TopicSpec,
} from '#core/log/topic-configs.ts';
import type { Topology } from '#core/topology.ts';
import { ChangelogFolder, type FolderDeps, type FolderTarget } from './folder.ts';
import { retireGeneration } from './retire.ts';

/** How long a generation created while the role runs waits before its folder starts. */
const NEW_GENERATION_GRACE_MS = 1_000;

export interface ChangelogManagerOptions extends FolderDeps {
  readonly topics: TopicNames;
  readonly policy: TopicPolicy;
  readonly cdcPartitions: number;
  readonly ensureTopic: (spec: TopicSpec) => Promise<boolean>;
  readonly listTopics: () => Promise<string[]>;
  /** Delay before retrying a reconcile that could not start every folder (default 2 s). */
  readonly reconcileRetryMs?: number;
}

/** Every index generation the changelog role folds under `topology`; pure. */
export function changelogTargetsOf(topology: Topology, topics: TopicNames): FolderTarget[] {
  return topology.indexes
    .filter((index) => index.state !== 'deleting')
    .map((index) => {
      const logUid = index.logUid ?? index.uid;
      return {
        indexUid: index.uid,
        logUid,
        generation: index.generation,
        shards: index.shards,
        docsTopic: docsTopicOf(topics, index),
        changelogTopic: topics.changelog(logUid),
        dlqTopic: topics.dlq(logUid),
      };
    });
}

export class ChangelogManager {
  private readonly folders = new Map<string, ChangelogFolder>();
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private latest: Topology | null = null;
  private swept = false;
  /** Topics seen to exist: the broker is listed on the first plan and for a topic never seen. */
  private readonly knownTopics: KnownTopics;
  /** Whether a plan ran: generations present at start are folded at once, later ones after a grace. */
  private planned = false;
  private readonly firstSeen = new Map<string, number>();
  private closed = false;

  constructor(private readonly opts: ChangelogManagerOptions) {
    this.knownTopics = knownTopics(() => opts.listTopics());
  }

  /** The folders running now, by document topic. */
  running(): ReadonlyMap<string, ChangelogFolder> {
    return this.folders;
  }

  reconcile(topology: Topology): Promise<void> {
    this.latest = topology;
    const run = this.chain.then(() => this.plan(topology));
    this.chain = run.catch((err: unknown) => {
      this.opts.logger.error({ err }, 'changelog reconcile failed; will retry');
      this.scheduleRetry();
    });
    return this.chain;
  }

  private async plan(topology: Topology): Promise<void> {
    if (this.closed) return;
    const targets = changelogTargetsOf(topology, this.opts.topics);
    const wanted = new Set(targets.map((t) => t.docsTopic));
    for (const [topic, folder] of [...this.folders]) {
      if (wanted.has(topic)) continue;
      this.folders.delete(topic);
      await folder.stop();
      await retireGeneration(folder.target, this.opts);
    }
    // The first plan lists every topic anyway: the start-up sweep needs them all.
    const existing = await this.knownTopics.covering(
      targets.map((t) => t.docsTopic),
      !this.swept,
    );
    if (!this.swept) {
      this.swept = true;
      await this.sweepOrphans(wanted, existing);
    }
    let missing = false;
    const now = Date.now();
    for (const target of targets) {
      if (this.folders.has(target.docsTopic)) continue;
      if (!existing.has(target.docsTopic)) {
        missing = true;
        continue;
      }
      // A generation that appears while running waits a moment: its first writes are on the
      // indexers' critical path (group joins, first fetches), and the changelog, which lags
      // by design, need not compete with them for the broker then.
      const seen = this.firstSeen.get(target.docsTopic) ?? now;
      this.firstSeen.set(target.docsTopic, seen);
      if (this.planned && now - seen < NEW_GENERATION_GRACE_MS) {
        missing = true;
        continue;
      }
      await this.opts.ensureTopic(
        changelogTopicSpec(this.opts.topics, target.logUid, this.opts.cdcPartitions, this.opts.policy),
      );
      await this.opts.ensureTopic(dlqTopicSpec(this.opts.topics, target.logUid, this.opts.policy));
      const folder = new ChangelogFolder(target, this.opts);
      await folder.start();
      this.folders.set(target.docsTopic, folder);
      this.firstSeen.delete(target.docsTopic);
    }
    this.planned = true;
    if (missing) this.scheduleRetry();
  }

  /**
   * State files of generations deleted while the role was down: retired now, from the store
   * restored up to the changelog's end, so their documents still get their deletes.
   */
  private async sweepOrphans(wanted: ReadonlySet<string>, existing: ReadonlySet<string>): Promise<void> {
    let files: string[];
    try {
      files = readdirSync(this.opts.dataDir).filter((f) => f.endsWith('.sqlite'));
    } catch {
      return;
    }
    for (const file of files) {
      const docsTopic = file.slice(0, -'.sqlite'.length);
      // Another prefix's state (a directory shared by several clusters) is not ours to touch.
      if (wanted.has(docsTopic) || !docsTopic.startsWith(this.opts.topics.prefix)) continue;
      const path = join(this.opts.dataDir, file);
      const store = openChangelogStore(path);
      const meta = store.meta('target');
      store.close();
      const target = meta === undefined ? undefined : (JSON.parse(meta) as FolderTarget);
      if (target !== undefined && existing.has(target.changelogTopic))
        await retireGeneration(target, this.opts);
      // Without its changelog topic the state has no one left to tell: only the file goes.
      else for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.latest !== null) void this.reconcile(this.latest);
    }, this.opts.reconcileRetryMs ?? 2000);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.chain;
    await Promise.all([...this.folders.values()].map((f) => f.stop()));
    this.folders.clear();
  }
}
