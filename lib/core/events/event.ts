// The discriminated union of every Miroir event and the catalogue of their names, grouped by
// the topic family they travel on.
import { CONTROL_EVENT_TYPES, type ControlEvent } from './control-events.ts';
import { DOCUMENT_EVENT_TYPES, type DocumentEvent } from './document-events.ts';
import { KEY_EVENT_TYPES, type KeyEvent } from './key-events.ts';
import { TASK_EVENT_TYPES, type TaskEvent } from './task-events.ts';

export type MiroirEvent = DocumentEvent | ControlEvent | TaskEvent | KeyEvent;
export type EventType = MiroirEvent['type'];
export type EventOfType<T extends EventType> = Extract<MiroirEvent, { type: T }>;

/** `key` events travel on the control topic too, but only the key projection folds them. */
export type EventFamily = 'document' | 'control' | 'task' | 'key';

export const EVENT_TYPES: readonly EventType[] = [
  ...DOCUMENT_EVENT_TYPES,
  ...CONTROL_EVENT_TYPES,
  ...TASK_EVENT_TYPES,
  ...KEY_EVENT_TYPES,
];

const FAMILY = new Map<string, EventFamily>([
  ...DOCUMENT_EVENT_TYPES.map((t) => [t, 'document'] as const),
  ...CONTROL_EVENT_TYPES.map((t) => [t, 'control'] as const),
  ...TASK_EVENT_TYPES.map((t) => [t, 'task'] as const),
  ...KEY_EVENT_TYPES.map((t) => [t, 'key'] as const),
]);

export function isEventType(name: string): name is EventType {
  return FAMILY.has(name);
}

/** The topic family an event type travels on: document partitions, control or tasks. */
export function eventFamily(type: EventType): EventFamily {
  const family = FAMILY.get(type);
  if (family === undefined) throw new Error(`unknown event type ${type}`);
  return family;
}

export function isDocumentEvent(event: MiroirEvent): event is DocumentEvent {
  return FAMILY.get(event.type) === 'document';
}

export function isControlEvent(event: MiroirEvent): event is ControlEvent {
  return FAMILY.get(event.type) === 'control';
}

export function isTaskEvent(event: MiroirEvent): event is TaskEvent {
  return FAMILY.get(event.type) === 'task';
}

export function isKeyEvent(event: MiroirEvent): event is KeyEvent {
  return FAMILY.get(event.type) === 'key';
}
