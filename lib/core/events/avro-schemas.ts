// The Avro schemas of every event, version by version: the one source of truth. The files
// `schemas/<event-name>.v<N>.avsc` are generated from this catalogue and a test keeps them equal;
// a released version is frozen (its fingerprint is pinned in test/fixtures/events.fingerprints.json),
// so a change means a new version appended here, never an edit.
import type { EventType } from './event.ts';

export const AVRO_NAMESPACE = 'miroir.events';

export type AvroType =
  | string
  | readonly AvroType[]
  | { readonly type: 'array'; readonly items: AvroType }
  | { readonly type: 'long'; readonly logicalType: 'timestamp-millis' }
  | AvroRecordSchema;

export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly doc?: string;
  readonly default?: null;
}

export interface AvroRecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}

export interface EventSchemaEntry {
  readonly type: EventType;
  readonly version: number;
  readonly schema: AvroRecordSchema;
}

const nullable = (type: AvroType): AvroType => ['null', type];
const field = (name: string, type: AvroType, doc?: string): AvroField =>
  doc === undefined ? { name, type } : { name, type, doc };
const optional = (name: string, type: AvroType, doc?: string): AvroField => ({
  ...field(name, type, doc),
  type: nullable(type),
  default: null,
});
const arrayOf = (items: AvroType): AvroType => ({ type: 'array', items });

type Presence = 'required' | 'nullable';
interface EnvelopeShape {
  readonly index: Presence;
  readonly generation: Presence;
  readonly task: Presence;
}

/** Envelope fields first, in a fixed order: every event starts with the same bytes layout. */
function envelopeFields(shape: EnvelopeShape): AvroField[] {
  const pick = (presence: Presence, name: string, type: AvroType, doc: string): AvroField =>
    presence === 'required' ? field(name, type, doc) : field(name, nullable(type), doc);
  return [
    field('eventId', 'string', 'Unique id of the event, deterministic from the write that produced it.'),
    field('type', 'string', 'Event name, equal to the record name.'),
    field('schemaVersion', 'int', 'Version of the schema the event was written with.'),
    pick(shape.index, 'indexUid', 'string', 'Client-facing index uid.'),
    pick(shape.generation, 'generation', 'int', 'Shard-layout generation of the index.'),
    field(
      'timestamp',
      { type: 'long', logicalType: 'timestamp-millis' },
      'When the producer built the event.',
    ),
    pick(shape.task, 'taskUid', 'long', 'Task the event belongs to (offset of its TaskEnqueued record).'),
  ];
}

const DOCUMENT: EnvelopeShape = { index: 'required', generation: 'required', task: 'required' };
const INDEX_CONTROL: EnvelopeShape = { index: 'required', generation: 'nullable', task: 'nullable' };
const GENERATION_CONTROL: EnvelopeShape = { index: 'required', generation: 'required', task: 'nullable' };
const CLUSTER_CONTROL: EnvelopeShape = { index: 'nullable', generation: 'nullable', task: 'nullable' };
const TASK_ENQUEUED: EnvelopeShape = { index: 'nullable', generation: 'nullable', task: 'nullable' };
const TASK: EnvelopeShape = { index: 'nullable', generation: 'nullable', task: 'required' };

function eventRecord(
  name: EventType,
  doc: string,
  shape: EnvelopeShape,
  fields: AvroField[],
): AvroRecordSchema {
  return {
    type: 'record',
    name,
    namespace: AVRO_NAMESPACE,
    doc,
    fields: [...envelopeFields(shape), ...fields],
  };
}

const partFields = (): AvroField[] => [
  field('part', 'int', 'Index of this event among the events the task appended to this partition, from 0.'),
  field('parts', 'int', 'Number of events the task appended to this partition.'),
];

const documentBatchFields = (): AvroField[] => [
  ...partFields(),
  field('primaryKey', 'string', 'Primary key attribute the documents were validated against.'),
  field('ids', arrayOf('string'), 'Primary key value of each document, in the order of documents.'),
  field('documents', arrayOf('bytes'), 'UTF-8 JSON of each document, exactly as the client sent it.'),
];

// A fresh object per schema: each .avsc file is standalone, so named types are defined inline.
const errorRecord = (): AvroRecordSchema => ({
  type: 'record',
  name: 'EventError',
  doc: 'A Meilisearch error object.',
  fields: [
    field('message', 'string'),
    field('code', 'string'),
    field('type', 'string'),
    field('link', 'string'),
  ],
});

const countFields = (): AvroField[] => [
  optional('indexedDocuments', 'long', 'Documents indexed, when known.'),
  optional('deletedDocuments', 'long', 'Documents deleted, when known.'),
];

const nodeShardFields = (): AvroField[] => [
  field('nodeId', 'string'),
  field('replicaGroup', 'int'),
  field('shard', 'int'),
  field('offset', 'long', "Offset of the task's last event in the shard's partition."),
];

export const EVENT_SCHEMAS: readonly EventSchemaEntry[] = [
  // ---- document partitions ----
  {
    type: 'DocumentsUpserted',
    version: 1,
    schema: eventRecord(
      'DocumentsUpserted',
      'Full documents added or replaced in one shard.',
      DOCUMENT,
      documentBatchFields(),
    ),
  },
  {
    type: 'DocumentsUpdated',
    version: 1,
    schema: eventRecord(
      'DocumentsUpdated',
      'Partial documents merged into existing ones in one shard.',
      DOCUMENT,
      documentBatchFields(),
    ),
  },
  {
    type: 'DocumentsDeleted',
    version: 1,
    schema: eventRecord('DocumentsDeleted', 'Documents of one shard deleted by primary key.', DOCUMENT, [
      ...partFields(),
      field('ids', arrayOf('string'), 'Primary key values to delete.'),
    ]),
  },
  {
    type: 'DocumentsDeletedByFilter',
    version: 1,
    schema: eventRecord(
      'DocumentsDeletedByFilter',
      'Documents deleted by a filter; one event in every partition.',
      DOCUMENT,
      [...partFields(), field('filter', 'string', 'The filter as the client sent it, as JSON text.')],
    ),
  },
  {
    type: 'DocumentsCleared',
    version: 1,
    schema: eventRecord(
      'DocumentsCleared',
      'Every document of the index removed; one event in every partition.',
      DOCUMENT,
      partFields(),
    ),
  },
  {
    type: 'SettingsBarrier',
    version: 1,
    schema: eventRecord(
      'SettingsBarrier',
      'Settings to apply before any later event of the partition; one event in every partition.',
      DOCUMENT,
      [
        ...partFields(),
        field('settingsVersion', 'long'),
        field('settings', 'string', "The client's settings update, as JSON text."),
      ],
    ),
  },
  // ---- control ----
  {
    type: 'IndexCreated',
    version: 1,
    schema: eventRecord('IndexCreated', 'An index (and its first generation) created.', GENERATION_CONTROL, [
      optional('primaryKey', 'string'),
      field('shards', 'int', 'Shards of the generation (partitions of its document topic).'),
    ]),
  },
  {
    type: 'IndexCreated',
    version: 2,
    schema: eventRecord('IndexCreated', 'An index (and its first generation) created.', GENERATION_CONTROL, [
      optional('primaryKey', 'string'),
      field('shards', 'int', 'Shards of the generation (partitions of its document topic).'),
      optional(
        'docsTopic',
        'string',
        'Document topic of the generation when it took a spare one; null: the topic named after the index.',
      ),
    ]),
  },
  {
    type: 'DocsTopicPrepared',
    version: 1,
    schema: eventRecord(
      'DocsTopicPrepared',
      'A spare document topic created ahead of any index, ready for the next index creation.',
      CLUSTER_CONTROL,
      [
        field('topic', 'string'),
        field('shards', 'int', 'Partitions of the topic.'),
        field('spec', 'string', "Fingerprint of the topic's spec; only an equal spec may take it."),
      ],
    ),
  },
  {
    type: 'IndexDeleted',
    version: 1,
    schema: eventRecord('IndexDeleted', 'An index deleted.', INDEX_CONTROL, []),
  },
  {
    type: 'PrimaryKeySet',
    version: 1,
    schema: eventRecord('PrimaryKeySet', 'The primary key of an index set.', INDEX_CONTROL, [
      field('primaryKey', 'string'),
    ]),
  },
  {
    type: 'SettingsChanged',
    version: 1,
    schema: eventRecord('SettingsChanged', 'A new settings version of an index.', INDEX_CONTROL, [
      field('settingsVersion', 'long'),
      field('settings', 'string', "The client's settings update, as JSON text."),
    ]),
  },
  {
    type: 'NodeJoined',
    version: 1,
    schema: eventRecord('NodeJoined', 'A node joined a replica group.', CLUSTER_CONTROL, [
      field('nodeId', 'string'),
      field('url', 'string', 'Base URL of the node, without credentials.'),
      field('replicaGroup', 'int'),
    ]),
  },
  {
    type: 'NodeDraining',
    version: 1,
    schema: eventRecord('NodeDraining', 'A node is being drained.', CLUSTER_CONTROL, [
      field('nodeId', 'string'),
    ]),
  },
  {
    type: 'NodeFailed',
    version: 1,
    schema: eventRecord('NodeFailed', 'A node was declared failed.', CLUSTER_CONTROL, [
      field('nodeId', 'string'),
      field('reason', 'string'),
    ]),
  },
  {
    type: 'NodeRemoved',
    version: 1,
    schema: eventRecord('NodeRemoved', 'A node left the cluster.', CLUSTER_CONTROL, [
      field('nodeId', 'string'),
    ]),
  },
  {
    type: 'ShardAssigned',
    version: 1,
    schema: eventRecord(
      'ShardAssigned',
      'A node became an owner of a shard and starts replaying it.',
      GENERATION_CONTROL,
      [field('nodeId', 'string'), field('replicaGroup', 'int'), field('shard', 'int')],
    ),
  },
  {
    type: 'ShardReady',
    version: 1,
    schema: eventRecord('ShardReady', 'A node caught up on a shard and may serve it.', GENERATION_CONTROL, [
      field('nodeId', 'string'),
      field('replicaGroup', 'int'),
      field('shard', 'int'),
      field('offset', 'long', 'Partition offset the node had applied when ready.'),
    ]),
  },
  {
    type: 'AliasSet',
    version: 1,
    schema: eventRecord('AliasSet', 'An alias created or pointed at new targets.', CLUSTER_CONTROL, [
      field('alias', 'string'),
      field('targets', arrayOf('string'), 'Indexes the alias reads from.'),
    ]),
  },
  {
    type: 'AliasRemoved',
    version: 1,
    schema: eventRecord('AliasRemoved', 'An alias removed.', CLUSTER_CONTROL, [field('alias', 'string')]),
  },
  {
    type: 'IndexesSwapped',
    version: 1,
    schema: eventRecord(
      'IndexesSwapped',
      'Indexes exchanged their uids, or an index was renamed, all at this record.',
      CLUSTER_CONTROL,
      [
        field(
          'swaps',
          arrayOf({
            type: 'record',
            name: 'IndexSwap',
            fields: [
              field('indexes', arrayOf('string'), 'The two index uids of the pair.'),
              field(
                'rename',
                'boolean',
                'The first index takes the uid of the second, which does not exist.',
              ),
            ],
          }),
          'Pairs swapped, in the order the client gave them.',
        ),
      ],
    ),
  },
  // ---- tasks ----
  {
    type: 'TaskEnqueued',
    version: 1,
    schema: eventRecord(
      'TaskEnqueued',
      'A task accepted; its uid is the offset of this record.',
      TASK_ENQUEUED,
      [
        field('taskType', 'string', 'Meilisearch task type.'),
        field('replicationFactor', 'int'),
        field(
          'shards',
          arrayOf({
            type: 'record',
            name: 'TaskShard',
            fields: [
              field('shard', 'int'),
              field('events', 'int', "Events the task appended to this shard's partition."),
              field('documents', 'long', 'Documents or ids of the task in this shard.'),
              field('owners', arrayOf(arrayOf('string')), 'Owner node ids per replica group when enqueued.'),
            ],
          }),
          'Shards the task touched.',
        ),
        field('details', {
          type: 'record',
          name: 'TaskEnqueuedDetails',
          fields: [
            optional('receivedDocuments', 'long'),
            optional('providedIds', 'long'),
            optional('originalFilter', 'string'),
            optional('primaryKey', 'string'),
            optional('oldIndexUid', 'string'),
            optional('newIndexUid', 'string'),
            optional('settings', 'string', 'Settings the client sent, as JSON text.'),
            optional('swaps', 'string', 'Index swaps, as JSON text.'),
            optional('matchedTasks', 'long'),
          ],
        }),
        optional('customMetadata', 'string'),
      ],
    ),
  },
  {
    type: 'TaskShardApplied',
    version: 1,
    schema: eventRecord('TaskShardApplied', "A node applied a task's whole share of a shard.", TASK, [
      ...nodeShardFields(),
      ...countFields(),
    ]),
  },
  {
    type: 'TaskShardFailed',
    version: 1,
    schema: eventRecord('TaskShardFailed', "A node rejected a task's documents in a shard.", TASK, [
      ...nodeShardFields(),
      field('error', errorRecord()),
    ]),
  },
  {
    type: 'TaskFailed',
    version: 1,
    schema: eventRecord('TaskFailed', 'A whole task failed.', TASK, [field('error', errorRecord())]),
  },
  {
    type: 'TaskSucceeded',
    version: 1,
    schema: eventRecord(
      'TaskSucceeded',
      'A whole task succeeded (tasks without shard work).',
      TASK,
      countFields(),
    ),
  },
  {
    type: 'TaskCanceled',
    version: 1,
    schema: eventRecord('TaskCanceled', 'A taskCancelation task canceled this task.', TASK, [
      field('canceledBy', 'long', 'Uid of the taskCancelation task.'),
    ]),
  },
  {
    type: 'TaskDeleted',
    version: 1,
    schema: eventRecord('TaskDeleted', 'A taskDeletion task deleted this task.', TASK, [
      field('deletedBy', 'long', 'Uid of the taskDeletion task.'),
    ]),
  },
  // ---- API keys (control topic; values are derived, never written) ----
  {
    type: 'KeyCreated',
    version: 1,
    schema: eventRecord(
      'KeyCreated',
      'An API key created; its value is derived from its uid.',
      CLUSTER_CONTROL,
      [
        field('keyUid', 'string', 'Uid of the key (UUID, lower-case hyphenated).'),
        field('name', nullable('string')),
        field('description', nullable('string')),
        field('actions', arrayOf('string'), 'Actions as the client listed them.'),
        field('indexes', arrayOf('string'), 'Index uids and patterns the key may act on.'),
        field(
          'expiresAt',
          nullable({ type: 'long', logicalType: 'timestamp-millis' }),
          'Expiry; null never expires.',
        ),
      ],
    ),
  },
  {
    type: 'KeyUpdated',
    version: 1,
    schema: eventRecord('KeyUpdated', "An API key's name or description changed.", CLUSTER_CONTROL, [
      field('keyUid', 'string'),
      field('name', nullable('string'), 'Name after the change.'),
      field('description', nullable('string'), 'Description after the change.'),
    ]),
  },
  {
    type: 'KeyDeleted',
    version: 1,
    schema: eventRecord('KeyDeleted', 'An API key deleted.', CLUSTER_CONTROL, [field('keyUid', 'string')]),
  },
];

/** `documents-upserted` for `DocumentsUpserted`: the schema file stem. */
export function schemaFileStem(type: EventType): string {
  return type.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `-${c.toLowerCase()}`));
}

/** `documents-upserted.v1.avsc` */
export function schemaFileName(entry: Pick<EventSchemaEntry, 'type' | 'version'>): string {
  return `${schemaFileStem(entry.type)}.v${entry.version}.avsc`;
}

/** The exact text of a schema file: two-space JSON and a final newline. */
export function schemaFileText(entry: EventSchemaEntry): string {
  return `${JSON.stringify(entry.schema, null, 2)}\n`;
}

const LATEST_VERSION = new Map<EventType, number>();
for (const entry of EVENT_SCHEMAS)
  LATEST_VERSION.set(entry.type, Math.max(entry.version, LATEST_VERSION.get(entry.type) ?? 0));

/** Newest released schema version of an event type: the version producers write. */
export function currentSchemaVersion(type: EventType): number {
  const version = LATEST_VERSION.get(type);
  if (version === undefined) throw new Error(`no schema for event type ${type}`);
  return version;
}
