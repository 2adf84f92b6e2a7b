// Spare document topics: ingest keeps a few document topics created ahead of any index
// (`DocsTopicPrepared` in the control log), so creating an index takes one instead of waiting for
// Kafka to create a topic and elect its leaders, and the indexers have already joined its
// consumer groups when the first documents arrive. An index that finds no spare creates its
// topic as before; the pool is topped up in the background after each take.
import { randomUUID } from 'node:crypto';
import type { Logger } from '#adapters/logger.ts';
import type { TopologyRunner } from '#adapters/read-models/topology-runner.ts';
import { docsTopicPrepared } from '#core/ingest/index-events.ts';
import {
  spareTopicSpec,
  topicSpecFingerprint,
  type TopicPolicy,
  type TopicSpec,
} from '#core/log/topic-configs.ts';
import type { TopicNames } from '#core/log/topics.ts';
import { sparesFor } from '#core/topology-projection.ts';
import type { LogWriter } from './log-writer.ts';

export interface SpareTopicsDeps {
  readonly writer: Pick<LogWriter, 'appendControl'>;
  readonly topology: Pick<TopologyRunner, 'state' | 'onChange' | 'waitForOffset'>;
  readonly topics: TopicNames;
  readonly policy: TopicPolicy;
  /** Shards of new indexes: spares have as many partitions. */
  readonly shards: number;
  /** Spares to keep ready (0: none, every index creates its own topic). */
  readonly target: number;
  readonly ensureTopic: (spec: TopicSpec) => Promise<boolean>;
  /** End offsets of a topic; fails while a partition's leader does not serve it yet. */
  readonly endOffsets: (topic: string) => Promise<unknown>;
  readonly logger: Logger;
  /** Pause after a failed preparation (default 5 s). */
  readonly retryMs?: number;
  /** Longest wait of `take` for a spare being prepared (default 3 s). */
  readonly waitMs?: number;
}

export interface SpareTopics {
  /**
   * A spare for a new index, or null; this process never hands out the same spare twice. When none
   * is ready but some are being prepared, waits (at most `waitMs`) for the first: it is ready sooner
   * than a topic created now, which would queue behind them at the broker.
   */
  take(): Promise<string | null>;
  /** Starts topping the pool up, now and whenever the topology changes. */
  start(): void;
  stop(): void;
}

/** Resolves once `probe` succeeds, polling every 20 ms for at most 30 s (then its last error). */
async function servedSoon(probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export function createSpareTopics(deps: SpareTopicsDeps): SpareTopics {
  const fingerprint = topicSpecFingerprint(
    spareTopicSpec(deps.topics, 'fingerprint', deps.shards, deps.policy),
  );
  const handedOut = new Set<string>();
  let preparing = 0;
  let stopped = true;
  let pausedUntil = 0;
  let unsubscribe: (() => void) | undefined;

  const available = (): string[] =>
    sparesFor(deps.topology.state(), deps.shards, fingerprint).filter((t) => !handedOut.has(t));

  const prepareOne = async (): Promise<void> => {
    const id = randomUUID().replace(/-/g, '').slice(0, 16);
    const spec = spareTopicSpec(deps.topics, id, deps.shards, deps.policy);
    await deps.ensureTopic(spec);
    // Leaders in the metadata may still refuse requests (NOT_LEADER) while they set their
    // partitions up; the spare is announced only once every partition answers, so the first write
    // of the index that takes it is not held up by produce retries.
    await servedSoon(() => deps.endOffsets(spec.topic));
    const stamp = { writeId: randomUUID(), timestamp: Date.now() };
    const offset = await deps.writer.appendControl(
      docsTopicPrepared(stamp, spec.topic, deps.shards, fingerprint),
    );
    // Counted as preparing until the projection lists it, so a top-up meanwhile creates no extra one.
    await deps.topology.waitForOffset(offset);
    deps.logger.debug({ topic: spec.topic }, 'spare document topic ready');
  };

  let resumeTimer: NodeJS.Timeout | undefined;

  const topUp = (): void => {
    if (stopped) return;
    // Paused after a failure: one timer resumes when the pause ends, whatever called meanwhile.
    const pause = pausedUntil - Date.now();
    if (pause > 0) {
      resumeTimer ??= setTimeout(() => {
        resumeTimer = undefined;
        topUp();
      }, pause + 1).unref();
      return;
    }
    for (let missing = deps.target - available().length - preparing; missing > 0; missing -= 1) {
      preparing += 1;
      prepareOne()
        .catch((err: unknown) => {
          pausedUntil = Date.now() + (deps.retryMs ?? 5000);
          deps.logger.warn(
            { err },
            'could not prepare a spare document topic; indexes create their own meanwhile',
          );
        })
        .finally(() => {
          preparing -= 1;
          topUp();
        });
    }
  };

  return {
    async take() {
      const pick = (): string | null => {
        const spares = available();
        if (spares.length === 0) return null;
        // The oldest: its consumers and node index are the most likely to be ready. Two ingest
        // processes may want the same one at the same moment; the control log gives it to one, and
        // the other's creation is ignored and appended again with the next spare.
        const spare = spares[0] as string;
        handedOut.add(spare);
        return spare;
      };
      const now = pick();
      if (now !== null || preparing === 0 || stopped) return now;
      return new Promise<string | null>((resolve) => {
        const done = (spare: string | null): void => {
          clearTimeout(timer);
          off();
          resolve(spare);
        };
        const timer = setTimeout(() => done(pick()), deps.waitMs ?? 3000);
        const off = deps.topology.onChange(() => {
          const spare = pick();
          if (spare !== null || preparing === 0) done(spare);
        });
      });
    },
    start() {
      if (deps.target <= 0 || !stopped) return;
      stopped = false;
      unsubscribe = deps.topology.onChange(() => topUp());
      topUp();
    },
    stop() {
      stopped = true;
      clearTimeout(resumeTimer);
      resumeTimer = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
