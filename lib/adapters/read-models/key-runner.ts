// The key read model of a process: the key projection folded from `control` (only key events),
// and the one way keys are appended (a producer opened on first use). At start it appends
// Meilisearch's default keys when the log never had a key event (a first start).
import type { KafkaClient, LogAdmin, LogProducer } from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import { createKeyProjection, DEFAULT_KEYS, defaultKeyUid, type KeysState } from '#core/auth/keys.ts';
import type { EventCodec } from '#core/events/codec.ts';
import { isKeyEvent } from '#core/events/event.ts';
import type { KeyCreatedEvent, KeyEvent } from '#core/events/key-events.ts';
import { eventMessage } from '#core/log/log-message.ts';
import { createProjectionRunner, type ProjectionRunner } from './runner.ts';

export interface KeyRunner extends ProjectionRunner<KeysState> {
  /** Appends key events to `control` (acknowledged together); resolves with their offsets. */
  append(events: readonly KeyEvent[]): Promise<number[]>;
  /** Appends the default keys unless the log already had a key event; waits until folded. */
  seedDefaultKeys(): Promise<void>;
}

export interface KeyRunnerOptions {
  readonly kafka: Pick<KafkaClient, 'partitionConsumer' | 'producer'>;
  readonly admin: Pick<LogAdmin, 'fetchEndOffsets'>;
  readonly codec: EventCodec;
  readonly logger: Logger;
  readonly controlTopic: string;
  readonly topicPrefix: string;
}

export function defaultKeyEvents(topicPrefix: string, now: number): KeyCreatedEvent[] {
  // One ms apart in Meilisearch's creation order, so the newest-first list matches its order.
  return DEFAULT_KEYS.map((k, i) => {
    const keyUid = defaultKeyUid(topicPrefix, k.slot);
    return {
      eventId: `key-created:${keyUid}`,
      type: 'KeyCreated',
      schemaVersion: 1,
      indexUid: null,
      generation: null,
      timestamp: now + i,
      taskUid: null,
      keyUid,
      name: k.name,
      description: k.description,
      actions: [...k.actions],
      indexes: ['*'],
      expiresAt: null,
    };
  });
}

export function createKeyRunner(opts: KeyRunnerOptions): KeyRunner {
  const projection = createKeyProjection();
  const runner = createProjectionRunner<KeysState, KeyEvent>({
    name: projection.name,
    topic: opts.controlTopic,
    topicPrefix: opts.topicPrefix,
    kafka: opts.kafka,
    admin: opts.admin,
    logger: opts.logger,
    initialState: projection.initialState,
    decode: (message) => {
      if (message.value === null) return null;
      const event = opts.codec.decode(message.value);
      return isKeyEvent(event) ? event : null;
    },
    evolve: (state, offset, event) => projection.evolve(state, { offset, event }),
  });
  let producer: Promise<LogProducer> | undefined;

  const append = async (events: readonly KeyEvent[]): Promise<number[]> => {
    producer ??= opts.kafka.producer();
    const delivered = await (
      await producer
    ).send(
      events.map((event) => {
        const message = eventMessage(
          event,
          { topic: opts.controlTopic, partition: 0, key: event.keyUid },
          opts.codec,
        );
        return {
          topic: message.topic,
          partition: 0,
          key: message.key,
          value: message.value,
          headers: { ...message.headers },
        };
      }),
    );
    return delivered.map((d) => d.offset ?? -1);
  };

  return {
    ...runner,
    append,
    async seedDefaultKeys() {
      if (runner.state().seeded) return;
      const offsets = await append(defaultKeyEvents(opts.topicPrefix, Date.now()));
      await runner.waitForOffset(Math.max(...offsets));
      opts.logger.info({ keys: offsets.length }, 'default API keys created');
    },
    async stop() {
      await runner.stop();
      const open = producer;
      producer = undefined;
      if (open !== undefined) await (await open).close();
    },
  };
}
