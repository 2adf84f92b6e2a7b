// Runs one projection over a single-partition topic (control, tasks): folds every record from
// the beginning (a private consumer group that never commits, so each start replays the whole
// topic), and lets callers read the state, follow changes and wait for an offset they appended.
import { randomUUID } from 'node:crypto';
import type { ConsumedMessage, KafkaClient, LogAdmin, PartitionConsumer } from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import { miroirError } from '#core/errors.ts';

export interface ProjectionRunnerOptions<S, E> {
  /** Projection name, used in the consumer group and in logs. */
  readonly name: string;
  readonly topic: string;
  readonly topicPrefix: string;
  readonly kafka: Pick<KafkaClient, 'partitionConsumer'>;
  readonly admin: Pick<LogAdmin, 'fetchEndOffsets'>;
  readonly logger: Logger;
  readonly initialState: S;
  /** Decodes one record; null skips it (a record of another family or an unreadable one). */
  decode(message: ConsumedMessage): E | null;
  /** Folds one record; may return the same (mutated) object for large tables. */
  evolve(state: S, offset: number, event: E): S;
  /** Longest fetch wait; bounds how fast a new record is seen when the topic is idle (default 100 ms). */
  readonly maxWaitTimeMs?: number;
}

export interface ProjectionRunner<S> {
  readonly name: string;
  /** Joins the topic and resolves once the runner has folded everything written before the call. */
  start(): Promise<void>;
  state(): S;
  /** Offset of the last folded record, -1 before any. */
  offset(): number;
  /** Called after each consumed batch with the new state; returns an unsubscribe function. */
  onChange(cb: (state: S, offset: number) => void): () => void;
  /** Resolves once every record written before the call is folded. */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  /** Resolves once the record at `offset` (e.g. one this process just appended) is folded. */
  waitForOffset(offset: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_WAIT_MS = 30_000;

interface Waiter {
  readonly offset: number;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export function createProjectionRunner<S, E>(opts: ProjectionRunnerOptions<S, E>): ProjectionRunner<S> {
  let state = opts.initialState;
  let folded = -1;
  const listeners = new Set<(state: S, offset: number) => void>();
  let waiters: Waiter[] = [];
  let consumer: PartitionConsumer | undefined;
  let stopped = false;
  const logger = opts.logger.child({ projection: opts.name });

  const release = (): void => {
    const still: Waiter[] = [];
    for (const waiter of waiters) {
      if (waiter.offset <= folded) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else still.push(waiter);
    }
    waiters = still;
  };

  const waitForOffset = (offset: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> => {
    if (offset <= folded) return Promise.resolve();
    if (stopped)
      return Promise.reject(miroirError('miroir_log_unavailable', `The ${opts.name} projection is stopped.`));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        offset,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(
            miroirError(
              'miroir_log_unavailable',
              `The ${opts.name} projection did not reach offset ${offset} within ${timeoutMs} ms (at ${folded}).`,
            ),
          );
        }, timeoutMs),
      };
      waiters.push(waiter);
    });
  };

  const waitCaughtUp = async (timeoutMs = DEFAULT_WAIT_MS): Promise<void> => {
    const ends = await opts.admin.fetchEndOffsets(opts.topic);
    const end = ends.get(0) ?? 0;
    await waitForOffset(end - 1, timeoutMs);
  };

  return {
    name: opts.name,
    async start() {
      if (consumer !== undefined)
        throw miroirError('internal', `The ${opts.name} projection is already started.`);
      consumer = opts.kafka.partitionConsumer({
        // A private group that never commits: every start folds the topic from its first record.
        groupId: `${opts.topicPrefix}projection.${opts.name}.${randomUUID()}`,
        partitions: [{ topic: opts.topic, partitions: [0] }],
        maxWaitTimeMs: opts.maxWaitTimeMs ?? 100,
        onCrash: (err, restart) => logger.error({ err, restart }, 'projection consumer crashed'),
        handler: async (batch) => {
          for (const message of batch.messages) {
            if (message.offset <= folded) continue;
            let event: E | null = null;
            try {
              event = opts.decode(message);
            } catch (err) {
              logger.warn({ err, offset: message.offset }, 'skipping an undecodable record');
            }
            if (event !== null) state = opts.evolve(state, message.offset, event);
            folded = message.offset;
          }
          for (const cb of listeners) {
            try {
              cb(state, folded);
            } catch (err) {
              logger.error({ err }, 'projection listener failed');
            }
          }
          release();
        },
      });
      await consumer.start();
      await waitCaughtUp();
    },
    state: () => state,
    offset: () => folded,
    onChange(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    waitCaughtUp,
    waitForOffset,
    async stop() {
      stopped = true;
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(miroirError('miroir_log_unavailable', `The ${opts.name} projection stopped.`));
      }
      waiters = [];
      const running = consumer;
      consumer = undefined;
      if (running !== undefined) await running.stop();
    },
  };
}
