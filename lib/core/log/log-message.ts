// A record ready for the producer: topic, explicit partition, key, encoded value and headers.
// Headers repeat the envelope's identity so consumers and tools (kcat, CDC sinks) can filter
// records without decoding Avro.
import type { EventCodec } from '../events/codec.ts';
import type { ControlEvent } from '../events/control-events.ts';
import type { MiroirEvent } from '../events/event.ts';
import type { TaskEvent } from '../events/task-events.ts';
import type { TopicNames } from './topics.ts';

export interface LogMessage {
  readonly topic: string;
  readonly partition: number;
  /** Informational for document topics (the partition is explicit); the entity id on control; the task uid on tasks. */
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export const HEADER_EVENT_TYPE = 'miroir-event-type';
export const HEADER_SCHEMA_VERSION = 'miroir-schema-version';
export const HEADER_EVENT_ID = 'miroir-event-id';
export const HEADER_TASK_UID = 'miroir-task-uid';
export const HEADER_INDEX_UID = 'miroir-index-uid';
/** Header of a dead-letter record naming why it was set aside, so tools can filter without parsing. */
export const HEADER_DLQ_REASON = 'miroir-dlq-reason';

export function eventHeaders(event: MiroirEvent): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADER_EVENT_TYPE]: event.type,
    [HEADER_SCHEMA_VERSION]: String(event.schemaVersion),
    [HEADER_EVENT_ID]: event.eventId,
  };
  if (event.taskUid !== null) headers[HEADER_TASK_UID] = String(event.taskUid);
  if (event.indexUid !== null) headers[HEADER_INDEX_UID] = event.indexUid;
  return headers;
}

export interface MessageTarget {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
}

export function eventMessage(
  event: MiroirEvent,
  target: MessageTarget,
  codec: EventCodec,
  sizeHint?: number,
): LogMessage {
  return { ...target, value: codec.encode(event, sizeHint), headers: eventHeaders(event) };
}

/**
 * The control topic's key is the entity the event is about, so a reader can follow one entity:
 * the node for node events, the alias for alias events, the index otherwise.
 */
export function controlKey(event: ControlEvent): string {
  switch (event.type) {
    case 'NodeJoined':
    case 'NodeDraining':
    case 'NodeFailed':
    case 'NodeRemoved':
      return `node/${event.nodeId}`;
    case 'AliasSet':
    case 'AliasRemoved':
      return `alias/${event.alias}`;
    default:
      return `index/${event.indexUid}`;
  }
}

export function controlMessage(event: ControlEvent, topics: TopicNames, codec: EventCodec): LogMessage {
  return eventMessage(event, { topic: topics.control, partition: 0, key: controlKey(event) }, codec);
}

/** Tasks are keyed by uid; `TaskEnqueued` has none yet (its uid will be its own offset). */
export function taskMessage(event: TaskEvent, topics: TopicNames, codec: EventCodec): LogMessage {
  return eventMessage(
    event,
    { topic: topics.tasks, partition: 0, key: event.taskUid === null ? null : String(event.taskUid) },
    codec,
  );
}

/** Groups messages per topic, keeping their order: the shape of a producer's batch send. */
export function groupByTopic(messages: readonly LogMessage[]): { topic: string; messages: LogMessage[] }[] {
  const groups = new Map<string, LogMessage[]>();
  for (const message of messages) {
    const list = groups.get(message.topic);
    if (list === undefined) groups.set(message.topic, [message]);
    else list.push(message);
  }
  return [...groups].map(([topic, list]) => ({ topic, messages: list }));
}
