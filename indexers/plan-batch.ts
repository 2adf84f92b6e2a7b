// Pure planning of node requests from a run of one partition's events, in log order: consecutive
// upserts become one large POST, consecutive partial updates one PUT, consecutive deletes by id
// one delete-batch; index-wide events (delete by filter, clear, settings) stand alone as
// barriers, scoped to this shard with `_miroir_shard`. Events are never split across requests,
// so a request that succeeded means every event it covers is applied and its offset committable.
import type { DocumentEvent } from '#core/events/document-events.ts';
import { nodeSettingsOf, type SettingsPatch } from './node-settings.ts';
import { shardClause, shardFilter, withShardField, type NodeFilter } from '#core/routing/shard-field.ts';

/** One consumed record of a document partition. */
export interface PartitionRecord {
  readonly offset: number;
  readonly event: DocumentEvent;
}

/** A document on its way to the node, with `_miroir_shard` already in its body. */
export interface DocumentItem {
  readonly id: string;
  readonly body: Buffer;
  /** The record the document came from (for failure attribution). */
  readonly record: PartitionRecord;
}

export interface IdItem {
  readonly id: string;
  readonly record: PartitionRecord;
}

interface OpBase {
  /** The records this request applies, in log order; never empty. */
  readonly records: readonly PartitionRecord[];
}

export type NodeOp =
  | (OpBase & {
      readonly kind: 'upsert' | 'update';
      readonly primaryKey: string;
      readonly items: readonly DocumentItem[];
      readonly bytes: number;
    })
  | (OpBase & { readonly kind: 'deleteIds'; readonly items: readonly IdItem[] })
  /** Delete by filter, and clear (the filter is then only the shard clause). */
  | (OpBase & { readonly kind: 'deleteByFilter'; readonly filter: NodeFilter; readonly clear: boolean })
  | (OpBase & {
      readonly kind: 'settings';
      readonly settings: SettingsPatch;
      readonly settingsVersion: number;
    });

export interface BatchLimits {
  /** Most documents (or ids) in one node request; one event larger than this still goes alone. */
  readonly maxDocs: number;
  /** Most payload bytes in one node request; same rule. */
  readonly maxBytes: number;
}

/** Bytes of a JSON array holding these bodies: brackets plus one comma between items. */
export function arrayBytes(bodies: readonly { body: Buffer }[]): number {
  let total = 2 + Math.max(0, bodies.length - 1);
  for (const item of bodies) total += item.body.length;
  return total;
}

/** The JSON array of documents a POST/PUT sends, built from the bodies without re-serializing. */
export function documentsPayload(items: readonly { body: Buffer }[]): Buffer {
  const parts: Buffer[] = [OPEN_BRACKET];
  items.forEach((item, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(item.body);
  });
  parts.push(CLOSE_BRACKET);
  return Buffer.concat(parts, arrayBytes(items));
}

const OPEN_BRACKET = Buffer.from('[');
const CLOSE_BRACKET = Buffer.from(']');
const COMMA = Buffer.from(',');

/** Settings of a barrier, parsed; a body that is not a JSON object is sent as is and fails on the node. */
function parseSettings(json: string): SettingsPatch {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as SettingsPatch;
  } catch {
    // fall through: an unparsable barrier is reported by the node
  }
  return { __invalid_settings__: json };
}

/** Payload bytes of a JSON array of `count` items whose own bytes add up to `itemBytes`. */
function payloadBytes(count: number, itemBytes: number): number {
  return 2 + itemBytes + Math.max(0, count - 1);
}

type OpenOp =
  | {
      kind: 'upsert' | 'update';
      primaryKey: string;
      items: DocumentItem[];
      records: PartitionRecord[];
      itemBytes: number;
    }
  | { kind: 'deleteIds'; items: IdItem[]; records: PartitionRecord[]; itemBytes: number };

export function planNodeOps(
  records: readonly PartitionRecord[],
  partition: number,
  limits: BatchLimits,
): NodeOp[] {
  const ops: NodeOp[] = [];
  // Widened on purpose: `close()` resets it from a closure, which control-flow narrowing cannot see.
  let open = null as OpenOp | null;

  const close = (): void => {
    if (open === null) return;
    if (open.kind === 'deleteIds') ops.push({ kind: 'deleteIds', items: open.items, records: open.records });
    else
      ops.push({
        kind: open.kind,
        primaryKey: open.primaryKey,
        items: open.items,
        records: open.records,
        bytes: payloadBytes(open.items.length, open.itemBytes),
      });
    open = null;
  };

  /** Whether `count` more items of `bytes` still fit the open request. */
  const fits = (current: OpenOp, count: number, bytes: number): boolean =>
    current.items.length + count <= limits.maxDocs &&
    payloadBytes(current.items.length + count, current.itemBytes + bytes) <= limits.maxBytes;

  for (const record of records) {
    const { event } = record;
    switch (event.type) {
      case 'DocumentsUpserted':
      case 'DocumentsUpdated': {
        const kind = event.type === 'DocumentsUpserted' ? 'upsert' : 'update';
        const items = event.documents.map((doc, i) => ({
          id: event.ids[i] ?? '',
          body: withShardField(doc, partition),
          record,
        }));
        const bytes = items.reduce((sum, item) => sum + item.body.length, 0);
        let current: OpenOp | null = open;
        if (
          current === null ||
          current.kind !== kind ||
          current.primaryKey !== event.primaryKey ||
          !fits(current, items.length, bytes)
        ) {
          close();
          current = { kind, primaryKey: event.primaryKey, items: [], records: [], itemBytes: 0 };
          open = current;
        }
        current.items.push(...items);
        current.records.push(record);
        current.itemBytes += bytes;
        break;
      }
      case 'DocumentsDeleted': {
        const items = event.ids.map((id) => ({ id, record }));
        // Ids travel as JSON strings: their bytes plus two quotes (escapes aside: ids are [A-Za-z0-9_-]).
        const bytes = event.ids.reduce((sum, id) => sum + Buffer.byteLength(id) + 2, 0);
        let current: OpenOp | null = open;
        if (current === null || current.kind !== 'deleteIds' || !fits(current, items.length, bytes)) {
          close();
          current = { kind: 'deleteIds', items: [], records: [], itemBytes: 0 };
          open = current;
        }
        current.items.push(...items);
        current.records.push(record);
        current.itemBytes += bytes;
        break;
      }
      case 'DocumentsDeletedByFilter':
        close();
        ops.push({
          kind: 'deleteByFilter',
          filter: shardFilter(event.filter, partition),
          clear: false,
          records: [record],
        });
        break;
      case 'DocumentsCleared':
        // Never DELETE /documents: the node holds other shards whose events may not be applied yet.
        close();
        ops.push({ kind: 'deleteByFilter', filter: shardClause(partition), clear: true, records: [record] });
        break;
      case 'SettingsBarrier':
        close();
        ops.push({
          kind: 'settings',
          settings: nodeSettingsOf(parseSettings(event.settings)),
          settingsVersion: event.settingsVersion,
          records: [record],
        });
        break;
    }
  }
  close();
  return ops;
}

/** Offset to commit once `op` is applied: the next record after its last one. */
export function commitOffsetAfter(op: NodeOp): number {
  const last = op.records[op.records.length - 1];
  if (last === undefined) throw new Error('a node op covers at least one record');
  return last.offset + 1;
}
