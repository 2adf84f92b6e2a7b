// The applier of one node: a Kafka consumer (group `<prefix>indexer.<nodeId>`) of exactly the
// document partitions the node owns, applying each partition's events in log order as large
// node requests. Progress per partition is the committed offset, advanced only after the node
// task succeeded and the task reports were appended; nothing is skipped, transient failures are
// retried. Several processes running the same node's applier share its partitions via the group.
import type {
  BatchContext,
  CommittedOffset,
  ConsumedBatch,
  KafkaClient,
  LogProducer,
  PartitionConsumer,
  TopicPartitions,
} from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import type { EventCodec } from '#core/events/codec.ts';
import { isDocumentEvent } from '#core/events/event.ts';
import { appliedSettingsMetadata, appliedSettingsOf } from '#core/log/consumer-groups.ts';
import type { LogMessage } from '#core/log/log-message.ts';
import type { TopicNames } from '#core/log/topics.ts';
import type { IndexerMetrics } from './metrics.ts';
import type { NodeExecutor, OpOutcome } from './node-executor.ts';
import {
  commitOffsetAfter,
  planNodeOps,
  type BatchLimits,
  type NodeOp,
  type PartitionRecord,
} from './plan-batch.ts';
import {
  ApplyAbortedError,
  DEFAULT_MAX_ANSWERED_ATTEMPTS,
  isApplyAborted,
  retryTransient,
  type RetryHooks,
  type RetryPolicy,
} from './retry.ts';
import { PartitionTaskTracker } from './task-reports.ts';

/** One index generation this node applies: its docs topic and the partitions the node owns. */
export interface ApplierTarget {
  readonly indexUid: string;
  readonly nodeIndexUid: string;
  readonly primaryKey: string | null;
  readonly generation: number;
  readonly topic: string;
  readonly partitions: readonly number[];
  /** Position of the node's group among the index's groups. */
  readonly replicaGroup: number;
  /**
   * A spare document topic no index took yet: the consumer joins ahead, and a record that arrives
   * before this process's topology names the index (it took the spare) waits for it.
   */
  readonly spare?: boolean;
}

export interface NodeApplierOptions {
  readonly nodeId: string;
  readonly groupId: string;
  readonly kafka: Pick<KafkaClient, 'partitionConsumer'>;
  readonly producer: LogProducer;
  readonly executor: NodeExecutor;
  readonly topics: TopicNames;
  readonly codec: EventCodec;
  readonly logger: Logger;
  readonly limits: BatchLimits & { readonly lingerMs: number };
  readonly retry: RetryPolicy;
  /** Creates the index's dead-letter topic if needed (called before the first dead letter). */
  readonly ensureDlqTopic: (indexUid: string) => Promise<void>;
  readonly metrics?: IndexerMetrics;
  /** Longest idle fetch wait; also bounds how fast a stop is noticed (default 2 s). */
  readonly maxWaitTimeMs?: number;
  /** The group's commits on a topic with their metadata (the settings version the node got); without it nothing is read back. */
  readonly fetchCommits?: (topic: string) => Promise<Map<number, CommittedOffset>>;
}

interface PartitionState {
  readonly tracker: PartitionTaskTracker;
  buffer: PartitionRecord[];
  bufferedDocs: number;
  bufferedBytes: number;
  firstBufferedAt: number;
  /** Offset after the last consumed message (buffered or applied). */
  nextOffset: number;
  /** Offset committed by this process (or -1). */
  committed: number;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

function sameWants(a: readonly TopicPartitions[], b: readonly TopicPartitions[]): boolean {
  const norm = (list: readonly TopicPartitions[]) =>
    JSON.stringify(
      [...list]
        .map((w) => ({ t: w.topic, p: [...w.partitions].sort((x, y) => x - y) }))
        .sort((x, y) => (x.t < y.t ? -1 : x.t > y.t ? 1 : 0)),
    );
  return norm(a) === norm(b);
}

export class NodeApplier {
  private consumer: PartitionConsumer | null = null;
  private wants: TopicPartitions[] = [];
  private readonly byTopic = new Map<string, ApplierTarget>();
  /** Woken by every setTargets (a batch of a spare topic waits for the index that took it). */
  private targetsChanged: { promise: Promise<void>; wake: () => void } = signal();
  private readonly states = new Map<string, PartitionState>();
  private stopping = false;
  private readonly dlqReady = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly opts: NodeApplierOptions) {
    this.log = opts.logger.child({ node: opts.nodeId });
  }

  /** Partitions currently wanted, per docs topic. */
  wanted(): TopicPartitions[] {
    return this.wants.map((w) => ({ topic: w.topic, partitions: [...w.partitions] }));
  }

  /** Partitions the group gave this process. */
  assignment(): TopicPartitions[] {
    return this.consumer?.assignment() ?? [];
  }

  /** Starts, re-partitions or stops the consumer so it follows exactly `targets`. */
  async setTargets(targets: readonly ApplierTarget[]): Promise<void> {
    const wants = targets
      .filter((t) => t.partitions.length > 0)
      .map((t) => ({ topic: t.topic, partitions: [...t.partitions] }));
    this.byTopic.clear();
    for (const target of targets) this.byTopic.set(target.topic, target);
    const changed = this.targetsChanged;
    this.targetsChanged = signal();
    changed.wake();
    for (const key of [...this.states.keys()]) {
      const [topic, partition] = key.split('\u0000') as [string, string];
      if (!this.byTopic.get(topic)?.partitions.includes(Number(partition))) this.states.delete(key);
    }
    if (wants.length === 0) {
      this.wants = [];
      await this.stopConsumer();
      return;
    }
    if (this.consumer !== null && sameWants(wants, this.wants)) return;
    this.wants = wants;
    this.stopping = false;
    if (this.consumer === null) {
      const consumer = this.opts.kafka.partitionConsumer({
        groupId: this.opts.groupId,
        partitions: wants,
        handler: (batch, ctx) => this.handle(batch, ctx),
        // A fetch returns as soon as records arrive; the wait only bounds an idle poll. With one
        // consumer per node and index generation, idle polls add up, so they are kept long.
        maxWaitTimeMs: this.opts.maxWaitTimeMs ?? 2000,
        // One member applies all partitions of an index generation: settings barriers of one node index
        // then come from one process, in order (a lagging peer cannot push an older version after a newer one).
        assignment: 'whole-topic',
        onCrash: (err, restart) => this.log.error({ err, restart }, 'applier consumer crashed'),
      });
      this.consumer = consumer;
      try {
        await consumer.start();
      } catch (err) {
        this.consumer = null;
        throw err;
      }
      this.log.info({ partitions: wants }, 'applier started');
    } else {
      // Rejoining re-reads every partition from its committed offset: buffered events are dropped.
      this.states.clear();
      await this.consumer.setPartitions(wants);
      this.log.info({ partitions: wants }, 'applier partitions changed');
    }
  }

  async stop(): Promise<void> {
    this.wants = [];
    await this.stopConsumer();
  }

  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    if (consumer === null) return;
    this.stopping = true;
    this.consumer = null;
    this.states.clear();
    await consumer.stop();
    this.log.info('applier stopped');
  }

  private stateOf(target: ApplierTarget, partition: number): PartitionState {
    const key = keyOf(target.topic, partition);
    let state = this.states.get(key);
    if (state === undefined) {
      state = {
        tracker: new PartitionTaskTracker(
          {
            nodeId: this.opts.nodeId,
            replicaGroup: target.replicaGroup,
            indexUid: target.indexUid,
            nodeIndexUid: target.nodeIndexUid,
            shard: partition,
          },
          this.opts.topics,
          this.opts.codec,
        ),
        buffer: [],
        bufferedDocs: 0,
        bufferedBytes: 0,
        firstBufferedAt: 0,
        nextOffset: -1,
        committed: -1,
      };
      this.states.set(key, state);
    }
    return state;
  }

  private dropBuffer(state: PartitionState): void {
    state.buffer = [];
    state.bufferedDocs = 0;
    state.bufferedBytes = 0;
    state.tracker.reset();
  }

  /**
   * The target of a batch. Records of a spare topic mean an index took it, but this process's
   * topology has not folded that yet: wait for it (heartbeating), as the records must not be skipped.
   */
  private async targetOf(topic: string, ctx: BatchContext): Promise<ApplierTarget | undefined> {
    let target = this.byTopic.get(topic);
    while (target?.spare === true && !this.stopping && ctx.isRunning()) {
      const changed = this.targetsChanged.promise;
      await Promise.race([changed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      await ctx.heartbeat().catch(() => undefined);
      target = this.byTopic.get(topic);
    }
    return target?.spare === true ? undefined : target;
  }

  private async handle(batch: ConsumedBatch, ctx: BatchContext): Promise<void> {
    const target = await this.targetOf(batch.topic, ctx);
    const first = batch.messages[0];
    if (target === undefined || !target.partitions.includes(batch.partition) || first === undefined) return;
    const state = this.stateOf(target, batch.partition);
    const log = this.log.child({ index: target.indexUid, partition: batch.partition });
    // A fetch that does not continue where the buffer ends means the consumer was re-seeked
    // (rebalance, restart): what was buffered will come again from the committed offset.
    if (state.nextOffset !== first.offset) {
      this.dropBuffer(state);
      await this.learnAppliedSettings(target, ctx, log);
    }
    for (const message of batch.messages) {
      state.nextOffset = message.offset + 1;
      if (message.value === null) continue;
      let event;
      try {
        event = this.opts.codec.decode(message.value);
      } catch (err) {
        // An undecodable record cannot be attributed to a task; it is skipped loudly, never retried forever.
        log.error(
          { err, offset: String(message.offset) },
          'undecodable record in a document partition, skipped',
        );
        continue;
      }
      if (!isDocumentEvent(event)) continue;
      if (state.buffer.length === 0) state.firstBufferedAt = Date.now();
      state.buffer.push({ offset: message.offset, event });
      if (event.type === 'DocumentsUpserted' || event.type === 'DocumentsUpdated') {
        state.bufferedDocs += event.documents.length;
        for (const doc of event.documents) state.bufferedBytes += doc.length + 1;
      } else if (event.type === 'DocumentsDeleted') {
        state.bufferedDocs += event.ids.length;
      }
    }
    const caughtUp = state.nextOffset >= batch.highWatermark;
    this.opts.metrics?.indexer_lag.set(
      { node: this.opts.nodeId, index: target.indexUid, partition: String(batch.partition) },
      Math.max(0, batch.highWatermark - state.nextOffset),
    );
    const full =
      state.bufferedDocs >= this.opts.limits.maxDocs || state.bufferedBytes >= this.opts.limits.maxBytes;
    const lingered = Date.now() - state.firstBufferedAt >= this.opts.limits.lingerMs;
    if (!caughtUp && !full && !lingered) return;
    try {
      await this.flush(target, batch.partition, state, ctx, log);
    } catch (err) {
      if (!isApplyAborted(err)) throw err;
      // Stopping or rebalancing: nothing past the last commit counts; the next owner re-reads it.
      this.dropBuffer(state);
      state.nextOffset = -1;
    }
  }

  /**
   * After a (re)assignment this member may resume partitions another member (or an earlier run)
   * applied further: the settings version stored with the group's commits is already on the node,
   * so barriers up to it are skipped instead of pushing an older version after a newer one.
   */
  private async learnAppliedSettings(target: ApplierTarget, ctx: BatchContext, log: Logger): Promise<void> {
    const fetchCommits = this.opts.fetchCommits;
    if (fetchCommits === undefined) return;
    const commits = await retryTransient(
      this.opts.retry,
      { isRunning: () => !this.stopping && ctx.isRunning() },
      () => fetchCommits(target.topic),
    ).catch((err: unknown) => {
      if (!isApplyAborted(err)) throw err;
      return new Map<number, CommittedOffset>();
    });
    let version = -1;
    for (const commit of commits.values()) version = Math.max(version, appliedSettingsOf(commit.metadata));
    if (version > this.opts.executor.appliedSettings(target.nodeIndexUid)) {
      log.info({ settingsVersion: version }, 'settings version already on the node, from the group commits');
      this.opts.executor.noteAppliedSettings(target.nodeIndexUid, version);
    }
  }

  private async flush(
    target: ApplierTarget,
    partition: number,
    state: PartitionState,
    ctx: BatchContext,
    log: Logger,
  ): Promise<void> {
    const records = state.buffer;
    const endOffset = state.nextOffset;
    state.buffer = [];
    state.bufferedDocs = 0;
    state.bufferedBytes = 0;
    const isRunning = (): boolean =>
      !this.stopping &&
      ctx.isRunning() &&
      this.byTopic.get(target.topic)?.partitions.includes(partition) === true;
    const hooks: RetryHooks = {
      isRunning,
      onRetry: async (err, attempt, delayMs) => {
        if (attempt === 1 || attempt % 10 === 0)
          log.warn({ err, attempt, delayMs }, 'node or log unavailable, retrying');
        await ctx.heartbeat().catch(() => undefined);
      },
    };
    const ops = planNodeOps(records, partition, this.opts.limits);
    for (const op of ops) {
      await this.applyOp(op, target, partition, state, hooks, log);
      await ctx.heartbeat().catch(() => undefined);
    }
    // Records that planned no request (e.g. foreign event types) are passed too.
    if (endOffset > state.committed) await this.commit(target.topic, partition, endOffset, state, hooks);
  }

  private async applyOp(
    op: NodeOp,
    target: ApplierTarget,
    partition: number,
    state: PartitionState,
    hooks: RetryHooks,
    log: Logger,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const node = this.opts.nodeId;
    // Unexpected failures (a node refusing our key, a bug) are retried a few times, then fail the
    // op's tasks with the error: a partition never stalls in a loop nobody sees the end of.
    const limit = this.opts.retry.maxAnsweredAttempts ?? DEFAULT_MAX_ANSWERED_ATTEMPTS;
    let unexpected = 0;
    const outcome = await retryTransient(this.opts.retry, hooks, async (): Promise<OpOutcome> => {
      try {
        return await this.opts.executor.run(
          op,
          { nodeIndexUid: target.nodeIndexUid, primaryKey: target.primaryKey },
          hooks,
        );
      } catch (err) {
        if (
          isApplyAborted(err) ||
          (typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true)
        )
          throw err;
        unexpected += 1;
        const givingUp = unexpected >= limit;
        log.error(
          { err, kind: op.kind, attempt: unexpected },
          givingUp
            ? 'node request failed unexpectedly; failing its tasks'
            : 'node request failed unexpectedly; retrying',
        );
        if (givingUp) return failedOutcome(op, err);
        throw Object.assign(new Error(err instanceof Error ? err.message : String(err), { cause: err }), {
          retriable: true,
        });
      }
    });
    const messages: LogMessage[] = state.tracker.report(op.records, outcome, Date.now());
    if (outcome.rejected.length > 0) {
      log.warn(
        { kind: op.kind, rejected: outcome.rejected.length, code: outcome.rejected[0]?.error.code },
        'node rejected events; sent to the dead-letter topic',
      );
      await retryTransient(this.opts.retry, hooks, () => this.ensureDlq(target.indexUid));
    }
    if (messages.length > 0)
      await retryTransient(this.opts.retry, hooks, () => this.opts.producer.send(messages));
    await this.commit(target.topic, partition, commitOffsetAfter(op), state, hooks);
    const m = this.opts.metrics;
    if (m !== undefined) {
      m.indexer_apply_seconds.observe(
        { node, kind: op.kind },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      m.indexer_node_requests_total.inc(
        { node, kind: op.kind, outcome: outcome.rejected.length > 0 ? 'rejected' : 'applied' },
        Math.max(1, outcome.requests),
      );
      if (op.kind === 'upsert' || op.kind === 'update')
        m.indexer_documents_applied_total.inc(
          { node, index: target.indexUid },
          op.items.length - outcome.rejected.length,
        );
      if (outcome.rejected.length > 0)
        m.indexer_rejected_total.inc({ node, index: target.indexUid }, outcome.rejected.length);
    }
  }

  private async ensureDlq(indexUid: string): Promise<void> {
    if (this.dlqReady.has(indexUid)) return;
    await this.opts.ensureDlqTopic(indexUid);
    this.dlqReady.add(indexUid);
  }

  private async commit(
    topic: string,
    partition: number,
    offset: number,
    state: PartitionState,
    hooks: RetryHooks,
  ): Promise<void> {
    const consumer = this.consumer;
    if (consumer === null) throw new ApplyAbortedError();
    const nodeIndexUid = this.byTopic.get(topic)?.nodeIndexUid;
    const settings = nodeIndexUid === undefined ? -1 : this.opts.executor.appliedSettings(nodeIndexUid);
    const metadata = settings >= 0 ? appliedSettingsMetadata(settings) : undefined;
    await retryTransient(this.opts.retry, hooks, () => consumer.commit(topic, partition, offset, metadata));
    state.committed = offset;
  }
}

/** Every record of an op rejected with `err` (an internal error, as the task shows it). */
function failedOutcome(op: NodeOp, err: unknown): OpOutcome {
  const error = {
    message: `Applying this task on a node failed: ${err instanceof Error ? err.message : String(err)}`,
    code: 'internal',
    type: 'internal',
    link: 'https://docs.meilisearch.com/errors#internal',
  };
  return {
    rejected: op.records.map((record) => ({ record, item: null, error })),
    counts: new Map(),
    requests: 0,
  };
}

function signal(): { promise: Promise<void>; wake: () => void } {
  let wake!: () => void;
  const promise = new Promise<void>((resolve) => (wake = resolve));
  return { promise, wake };
}
