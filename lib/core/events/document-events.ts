// Events of the document partitions (`docs.<index>.g<N>`, partition = shard). Indexers apply
// them in log order to every owner of the shard. Document bodies are the client's JSON bytes,
// untouched; one event holds many documents of one partition (indexers want big batches).
import type { IndexTaskEnvelope } from './envelope.ts';

/**
 * Position of an event among the events one task appended to one partition: `part` counts from 0
 * to `parts - 1`. An indexer that applied part `parts - 1` has applied the task's whole share of
 * the shard, without reading the tasks topic.
 */
export interface TaskPart {
  part: number;
  parts: number;
}

/** Full documents to add or replace (`POST /documents`). */
export interface DocumentsUpsertedEvent extends IndexTaskEnvelope<'DocumentsUpserted'>, TaskPart {
  /** Primary key attribute the documents were validated against. */
  primaryKey: string;
  /** Primary key value of each document, same order as `documents`. */
  ids: string[];
  /** UTF-8 JSON of each document, exactly as the client sent it. */
  documents: Buffer[];
}

/** Partial documents merged into existing ones (`PUT /documents`). */
export interface DocumentsUpdatedEvent extends IndexTaskEnvelope<'DocumentsUpdated'>, TaskPart {
  primaryKey: string;
  ids: string[];
  documents: Buffer[];
}

/** Documents deleted by primary key. */
export interface DocumentsDeletedEvent extends IndexTaskEnvelope<'DocumentsDeleted'>, TaskPart {
  ids: string[];
}

/** Documents deleted by a filter; present in every partition of the index. */
export interface DocumentsDeletedByFilterEvent
  extends IndexTaskEnvelope<'DocumentsDeletedByFilter'>, TaskPart {
  /** The filter exactly as the client sent it (string or array), as JSON text. */
  filter: string;
}

/** Every document of the index removed; present in every partition of the index. */
export interface DocumentsClearedEvent extends IndexTaskEnvelope<'DocumentsCleared'>, TaskPart {}

/**
 * Settings the shard must apply before any later event of the partition; present in every
 * partition. It carries the settings so a node rebuilt from the partition alone ends up equal.
 */
export interface SettingsBarrierEvent extends IndexTaskEnvelope<'SettingsBarrier'>, TaskPart {
  settingsVersion: number;
  /** The client's settings update (Meilisearch PATCH semantics, `null` resets), as JSON text. */
  settings: string;
}

export type DocumentEvent =
  | DocumentsUpsertedEvent
  | DocumentsUpdatedEvent
  | DocumentsDeletedEvent
  | DocumentsDeletedByFilterEvent
  | DocumentsClearedEvent
  | SettingsBarrierEvent;

export const DOCUMENT_EVENT_TYPES = [
  'DocumentsUpserted',
  'DocumentsUpdated',
  'DocumentsDeleted',
  'DocumentsDeletedByFilter',
  'DocumentsCleared',
  'SettingsBarrier',
] as const satisfies readonly DocumentEvent['type'][];
