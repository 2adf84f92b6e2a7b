// Events of the single-partition `control` topic: index lifecycle, settings versions, nodes,
// shard placement and aliases. Every service folds them into its topology projection, so
// their total order is the cluster's one history of configuration.
import type { EventEnvelope } from './envelope.ts';

export interface IndexCreatedEvent extends EventEnvelope<'IndexCreated'> {
  indexUid: string;
  generation: number;
  /** Primary key given at creation, or null until the first documents set it. */
  primaryKey: string | null;
  /** Shards of this generation (partitions of its document topic). */
  shards: number;
  /**
   * Document topic of the generation when it took a spare one (`DocsTopicPrepared`); absent (or
   * null) means the topic named after the index, `docs.<uid>.g<generation>`.
   */
  docsTopic?: string | null;
}

/**
 * A document topic created ahead of any index (a spare), ready to be taken by the next
 * `IndexCreated` of the same shard count and topic spec, so creating an index waits for no topic
 * creation and indexers can join its consumer groups before the first write.
 */
export interface DocsTopicPreparedEvent extends EventEnvelope<'DocsTopicPrepared'> {
  topic: string;
  shards: number;
  /** Fingerprint of the topic's spec (partitions and configs); only an equal spec may take it. */
  spec: string;
}

export interface IndexDeletedEvent extends EventEnvelope<'IndexDeleted'> {
  indexUid: string;
}

export interface PrimaryKeySetEvent extends EventEnvelope<'PrimaryKeySet'> {
  indexUid: string;
  primaryKey: string;
}

/** A new settings version of an index; the matching `SettingsBarrier` goes to every partition. */
export interface SettingsChangedEvent extends EventEnvelope<'SettingsChanged'> {
  indexUid: string;
  settingsVersion: number;
  /** The client's settings update, as JSON text. */
  settings: string;
}

export interface NodeJoinedEvent extends EventEnvelope<'NodeJoined'> {
  nodeId: string;
  /** Base URL of the node; credentials never travel in events. */
  url: string;
  replicaGroup: number;
}

export interface NodeDrainingEvent extends EventEnvelope<'NodeDraining'> {
  nodeId: string;
}

export interface NodeFailedEvent extends EventEnvelope<'NodeFailed'> {
  nodeId: string;
  reason: string;
}

export interface NodeRemovedEvent extends EventEnvelope<'NodeRemoved'> {
  nodeId: string;
}

/** A node becomes an owner of a shard of one index generation and starts replaying it. */
export interface ShardAssignedEvent extends EventEnvelope<'ShardAssigned'> {
  indexUid: string;
  generation: number;
  nodeId: string;
  replicaGroup: number;
  shard: number;
}

/** A node caught up on a shard and may serve it. */
export interface ShardReadyEvent extends EventEnvelope<'ShardReady'> {
  indexUid: string;
  generation: number;
  nodeId: string;
  replicaGroup: number;
  shard: number;
  /** Document-partition offset the node had applied when it declared itself ready. */
  offset: number;
}

export interface AliasSetEvent extends EventEnvelope<'AliasSet'> {
  alias: string;
  /** Indexes the alias reads from; writes are allowed only with exactly one target. */
  targets: string[];
}

export interface AliasRemovedEvent extends EventEnvelope<'AliasRemoved'> {
  alias: string;
}

/** One pair of an index swap: `indexes` exchange their contents, or the first is renamed to the second. */
export interface IndexSwap {
  indexes: [string, string];
  /** Meilisearch's `rename`: the second index must not exist; the first takes its uid. */
  rename: boolean;
}

/**
 * Indexes exchanged their uids atomically (`POST /swap-indexes`), or one index was renamed
 * (`PATCH /indexes/{uid}` with `uid`, or a swap with `rename`). Every process switches at this
 * record: the client uids map to the other generations (topics and node indexes stay where they are).
 */
export interface IndexesSwappedEvent extends EventEnvelope<'IndexesSwapped'> {
  swaps: IndexSwap[];
}

export type ControlEvent =
  | IndexCreatedEvent
  | IndexDeletedEvent
  | PrimaryKeySetEvent
  | SettingsChangedEvent
  | NodeJoinedEvent
  | NodeDrainingEvent
  | NodeFailedEvent
  | NodeRemovedEvent
  | ShardAssignedEvent
  | ShardReadyEvent
  | AliasSetEvent
  | AliasRemovedEvent
  | IndexesSwappedEvent
  | DocsTopicPreparedEvent;

export const CONTROL_EVENT_TYPES = [
  'IndexCreated',
  'IndexDeleted',
  'PrimaryKeySet',
  'SettingsChanged',
  'NodeJoined',
  'NodeDraining',
  'NodeFailed',
  'NodeRemoved',
  'ShardAssigned',
  'ShardReady',
  'AliasSet',
  'AliasRemoved',
  'IndexesSwapped',
  'DocsTopicPrepared',
] as const satisfies readonly ControlEvent['type'][];
