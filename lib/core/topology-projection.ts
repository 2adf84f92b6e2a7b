// The topology projection: folds the single-partition `control` topic into the cluster's read
// model (indexes with their shard layout and client settings, nodes, replica groups, aliases).
// Pure `{ name, version, initialState, evolve }`; every record is applied at most once (offset
// guard) and every event is itself idempotent, so replays and duplicates converge.
import type { ControlEvent, IndexSwap } from './events/control-events.ts';
import type { NodeState, TopologyIndex, TopologyNode, TopologySpec } from './topology.ts';

/** One consumed record of the control topic. */
export interface ControlLogRecord {
  readonly offset: number;
  readonly event: ControlEvent;
}

/** A node the configuration declares (nodes may also arrive later through `NodeJoined`). */
export interface ConfiguredNode {
  readonly id: string;
  readonly url: string;
  readonly group: string;
}

export interface TopologyProjectionOptions {
  readonly nodes: readonly ConfiguredNode[];
  /** RF of new indexes (config `cluster.replicationFactor`). */
  readonly replicationFactor: number;
}

/** Control-log offsets of one index generation's creation and deletion. */
export interface IndexCreationSpan {
  readonly generation: number;
  /** Offset of the `IndexCreated` record that created the generation. */
  readonly offset: number;
  /** Offset of the `IndexDeleted` record that ended it; null while it lives. */
  readonly deletedOffset: number | null;
}

export interface IndexRecord {
  readonly uid: string;
  readonly primaryKey: string | null;
  readonly shards: number;
  readonly rf: number;
  readonly groups: readonly string[];
  readonly generation: number;
  /** Name of the index on every node: one per generation, so a recreated index never sees old data. */
  readonly nodeIndexUid: string;
  /**
   * Uid the generation was created under: its document topic is `docs.<logUid>.g<generation>`.
   * Equal to `uid` until a swap or rename gives the generation another client uid; topics and node
   * indexes never move, only the client uid that names them does. Absent means `uid`.
   */
  readonly logUid?: string;
  /** The spare document topic the generation took at creation; absent: `docs.<logUid>.g<generation>`. */
  readonly docsTopic?: string;
  /** The client's settings: every key it set, resets removed (Meilisearch PATCH semantics). */
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * Uid of the task of the last settings change; -1 while the settings are the defaults (task
   * uids start at 0, so the first task of a cluster can be a settings change).
   */
  readonly settingsVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Shards assigned to a node that it has not declared ready yet, by node id. */
  readonly unready: Readonly<Record<string, readonly number[]>>;
}

export interface NodeRecord {
  readonly id: string;
  readonly url: string;
  readonly group: string;
  readonly state: NodeState;
}

/** Plain JSON, so it can be compared, logged and shared as is. */
export interface TopologyState {
  /** Offset of the last folded record; -1 before any. */
  readonly offset: number;
  /** Replica group ids, in order of first appearance (a group's position is its number in task events). */
  readonly groups: readonly string[];
  readonly nodes: readonly NodeRecord[];
  readonly indexes: Readonly<Record<string, IndexRecord>>;
  /** Last generation of each deleted index, so a recreated index starts a fresh generation. */
  readonly retiredGenerations: Readonly<Record<string, number>>;
  /** Where the latest generation of each index uid was created (and deleted) in the control log. */
  readonly lastCreation: Readonly<Record<string, IndexCreationSpan>>;
  readonly aliases: Readonly<Record<string, readonly string[]>>;
  /** Spare document topics no index took yet, by topic (absent in states folded by version 3). */
  readonly spareTopics?: Readonly<Record<string, SpareTopicRecord>>;
}

/** A spare document topic (`DocsTopicPrepared`) waiting for an index. */
export interface SpareTopicRecord {
  readonly shards: number;
  /** Replication factor the next index gets (the cluster's, when prepared). */
  readonly rf: number;
  /** Fingerprint of its spec (partitions and configs). */
  readonly spec: string;
}

export interface TopologyProjection {
  readonly name: 'topology';
  readonly version: number;
  readonly initialState: TopologyState;
  evolve(state: TopologyState, record: ControlLogRecord): TopologyState;
}

/** Settings whose value is an object merged key by key (Meilisearch's nested `Setting<T>`). */
const NESTED_SETTINGS: ReadonlySet<string> = new Set([
  'typoTolerance',
  'faceting',
  'pagination',
  'embedders',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges a patch object into a stored one: `null` removes a key, nested objects merge one level deeper. */
function mergeObject(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
  depth: number,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else if (depth > 0 && isPlainObject(value) && isPlainObject(next[key]))
      next[key] = mergeObject(next[key], value, depth - 1);
    else next[key] = value;
  }
  return next;
}

/** The client's settings after a PATCH: top-level keys replace or reset, nested settings merge. */
export function mergeClientSettings(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else if (NESTED_SETTINGS.has(key) && isPlainObject(value) && isPlainObject(next[key]))
      next[key] = mergeObject(next[key], value, 1);
    else next[key] = value;
  }
  return next;
}

/** `<uid>--g<generation>`: the last `--g<digits>` always reads back unambiguously. */
export function nodeIndexUidFor(uid: string, generation: number): string {
  return `${uid}--g${generation}`;
}

/**
 * The node index of a spare document topic (`…docs._spare.<id>` -> `_spare-<id>`), created and
 * prepared on the nodes ahead like the topic, and kept by the index that takes the spare. It never
 * ends in `--g<digits>`, so it is never the node index of an index created without a spare.
 */
export function spareNodeIndexUid(topic: string): string {
  return `_spare-${topic.slice(topic.lastIndexOf('.') + 1)}`;
}

function groupName(groups: readonly string[], replicaGroup: number): string {
  return groups[replicaGroup] ?? `g${replicaGroup + 1}`;
}

function withGroup(groups: readonly string[], group: string): readonly string[] {
  return groups.includes(group) ? groups : [...groups, group];
}

function setNodeState(state: TopologyState, nodeId: string, next: NodeState): TopologyState {
  const node = state.nodes.find((n) => n.id === nodeId);
  if (node === undefined || node.state === next || node.state === 'removed') return state;
  return { ...state, nodes: state.nodes.map((n) => (n.id === nodeId ? { ...n, state: next } : n)) };
}

function updateIndex(
  state: TopologyState,
  uid: string,
  change: (index: IndexRecord) => IndexRecord,
): TopologyState {
  const index = state.indexes[uid];
  if (index === undefined) return state;
  const next = change(index);
  return next === index ? state : { ...state, indexes: { ...state.indexes, [uid]: next } };
}

function parseSettings(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : {};
  } catch {
    // Ingest only appends validated JSON; a foreign record must not stop the projection.
    return {};
  }
}

function applyEvent(state: TopologyState, event: ControlEvent, rf: number, offset: number): TopologyState {
  switch (event.type) {
    case 'IndexCreated': {
      if (state.indexes[event.indexUid] !== undefined) return state;
      // A spare topic goes to the first creation that names it; a later one is ignored (and retried).
      const spare = event.docsTopic ?? null;
      const spares = state.spareTopics ?? {};
      if (spare !== null && spares[spare]?.shards !== event.shards) return state;
      // A creation computed from a view that had not seen the last deletion would bring back a
      // retired generation (its topic and node indexes still hold the deleted documents).
      const retired = state.retiredGenerations[event.indexUid];
      if (retired !== undefined && event.generation <= retired) return state;
      // Nor may it reuse a generation that a swap or rename handed to another client uid.
      if (event.generation <= lastLiveGeneration(state, event.indexUid)) return state;
      const index: IndexRecord = {
        uid: event.indexUid,
        primaryKey: event.primaryKey,
        shards: event.shards,
        rf,
        groups: state.groups,
        generation: event.generation,
        nodeIndexUid:
          spare !== null ? spareNodeIndexUid(spare) : nodeIndexUidFor(event.indexUid, event.generation),
        settings: {},
        settingsVersion: -1,
        createdAt: event.timestamp,
        updatedAt: event.timestamp,
        unready: {},
        ...(spare !== null ? { docsTopic: spare } : {}),
      };
      const span: IndexCreationSpan = { generation: event.generation, offset, deletedOffset: null };
      const { [spare ?? '']: _taken, ...restSpares } = spares;
      return {
        ...state,
        indexes: { ...state.indexes, [event.indexUid]: index },
        lastCreation: { ...state.lastCreation, [event.indexUid]: span },
        ...(spare !== null ? { spareTopics: restSpares } : {}),
      };
    }
    case 'DocsTopicPrepared': {
      const spares = state.spareTopics ?? {};
      if (spares[event.topic] !== undefined) return state;
      // A topic some index already took is never a spare again.
      if (Object.values(state.indexes).some((index) => index.docsTopic === event.topic)) return state;
      return {
        ...state,
        spareTopics: { ...spares, [event.topic]: { shards: event.shards, rf, spec: event.spec } },
      };
    }
    case 'IndexDeleted': {
      const index = state.indexes[event.indexUid];
      if (index === undefined) return state;
      const { [event.indexUid]: _removed, ...indexes } = state.indexes;
      const span = state.lastCreation[event.indexUid];
      const logUid = index.logUid ?? index.uid;
      return {
        ...state,
        indexes,
        retiredGenerations: {
          ...state.retiredGenerations,
          [logUid]: Math.max(index.generation, state.retiredGenerations[logUid] ?? -1),
        },
        ...(span !== undefined
          ? { lastCreation: { ...state.lastCreation, [event.indexUid]: { ...span, deletedOffset: offset } } }
          : {}),
      };
    }
    case 'PrimaryKeySet':
      return updateIndex(state, event.indexUid, (index) =>
        index.primaryKey === event.primaryKey
          ? index
          : { ...index, primaryKey: event.primaryKey, updatedAt: Math.max(index.updatedAt, event.timestamp) },
      );
    case 'SettingsChanged':
      return updateIndex(state, event.indexUid, (index) =>
        event.settingsVersion <= index.settingsVersion
          ? index
          : {
              ...index,
              settings: mergeClientSettings(index.settings, parseSettings(event.settings)),
              settingsVersion: event.settingsVersion,
              updatedAt: Math.max(index.updatedAt, event.timestamp),
            },
      );
    case 'NodeJoined': {
      const group = groupName(state.groups, event.replicaGroup);
      const existing = state.nodes.find((n) => n.id === event.nodeId);
      const node: NodeRecord = { id: event.nodeId, url: event.url, group, state: 'active' };
      if (
        existing !== undefined &&
        existing.url === node.url &&
        existing.group === node.group &&
        existing.state === 'active'
      )
        return state;
      const nodes =
        existing === undefined
          ? [...state.nodes, node]
          : state.nodes.map((n) => (n.id === node.id ? node : n));
      return { ...state, nodes, groups: withGroup(state.groups, group) };
    }
    case 'NodeDraining':
      return setNodeState(state, event.nodeId, 'draining');
    case 'NodeFailed':
      return setNodeState(state, event.nodeId, 'failed');
    case 'NodeRemoved':
      return setNodeState(state, event.nodeId, 'removed');
    case 'ShardAssigned':
      return updateIndex(state, event.indexUid, (index) => {
        if (index.generation !== event.generation) return index;
        const shards = index.unready[event.nodeId] ?? [];
        if (shards.includes(event.shard)) return index;
        return {
          ...index,
          unready: { ...index.unready, [event.nodeId]: [...shards, event.shard].sort((a, b) => a - b) },
        };
      });
    case 'ShardReady':
      return updateIndex(state, event.indexUid, (index) => {
        const shards = index.unready[event.nodeId];
        if (index.generation !== event.generation || shards === undefined || !shards.includes(event.shard))
          return index;
        const rest = shards.filter((s) => s !== event.shard);
        const { [event.nodeId]: _node, ...others } = index.unready;
        return { ...index, unready: rest.length === 0 ? others : { ...others, [event.nodeId]: rest } };
      });
    case 'AliasSet':
      return { ...state, aliases: { ...state.aliases, [event.alias]: [...event.targets] } };
    case 'AliasRemoved': {
      if (state.aliases[event.alias] === undefined) return state;
      const { [event.alias]: _alias, ...aliases } = state.aliases;
      return { ...state, aliases };
    }
    case 'IndexesSwapped':
      return applySwaps(state, event.swaps, event.timestamp, offset);
  }
}

/** Highest generation of a live index whose topics carry `logUid`; -1 when none. */
function lastLiveGeneration(state: TopologyState, logUid: string): number {
  let last = -1;
  for (const index of Object.values(state.indexes))
    if ((index.logUid ?? index.uid) === logUid) last = Math.max(last, index.generation);
  return last;
}

/**
 * Whether a swap can apply to `state`, with Meilisearch's task error when not: every swapped index
 * exists, a renamed index exists and its new uid does not. Ingest checks this on its own projection
 * before appending; the projection checks it again, so a swap that lost a race changes nothing.
 */
export function swapProblem(
  state: TopologyState,
  swaps: readonly IndexSwap[],
): { code: 'index_not_found' | 'index_already_exists'; message: string } | null {
  const missing = swaps
    .flatMap((s) => (s.rename ? [s.indexes[0]] : s.indexes))
    .filter((uid) => state.indexes[uid] === undefined);
  if (missing.length > 0)
    return {
      code: 'index_not_found',
      message:
        missing.length === 1
          ? `Index \`${missing[0]}\` not found.`
          : `Indexes ${missing.map((uid) => `\`${uid}\``).join(', ')} not found.`,
    };
  for (const swap of swaps) {
    const [from, to] = swap.indexes;
    if (swap.rename && state.indexes[to] !== undefined)
      return {
        code: 'index_already_exists',
        message: `Cannot rename \`${from}\` to \`${to}\` as the index already exists. Hint: You can remove \`${to}\` first and then do your remove.`,
      };
  }
  return null;
}

/**
 * Swaps exchange the records of two client uids (everything but the uid itself: generation, topics,
 * node index, settings); a rename moves one record to a free uid, which then reads as deleted at
 * this offset. All pairs apply together or, when one cannot, none does.
 */
function applySwaps(
  state: TopologyState,
  swaps: readonly IndexSwap[],
  timestamp: number,
  offset: number,
): TopologyState {
  if (swaps.length === 0 || swapProblem(state, swaps) !== null) return state;
  const indexes: Record<string, IndexRecord> = { ...state.indexes };
  const lastCreation: Record<string, IndexCreationSpan> = { ...state.lastCreation };
  const moved = (record: IndexRecord, uid: string): IndexRecord => ({
    ...record,
    uid,
    logUid: record.logUid ?? record.uid,
    updatedAt: Math.max(record.updatedAt, timestamp),
  });
  for (const swap of swaps) {
    const [a, b] = swap.indexes;
    const recordA = indexes[a] as IndexRecord;
    const spanA = lastCreation[a];
    if (swap.rename) {
      indexes[b] = moved(recordA, b);
      delete indexes[a];
      if (spanA !== undefined) {
        lastCreation[b] = spanA;
        lastCreation[a] = { ...spanA, deletedOffset: offset };
      }
      continue;
    }
    const recordB = indexes[b] as IndexRecord;
    const spanB = lastCreation[b];
    indexes[a] = moved(recordB, a);
    indexes[b] = moved(recordA, b);
    if (spanA !== undefined) lastCreation[b] = spanA;
    if (spanB !== undefined) lastCreation[a] = spanB;
  }
  return { ...state, indexes, lastCreation };
}

export function createTopologyProjection(options: TopologyProjectionOptions): TopologyProjection {
  let groups: readonly string[] = [];
  for (const node of options.nodes) groups = withGroup(groups, node.group);
  const initialState: TopologyState = {
    offset: -1,
    groups,
    nodes: options.nodes.map((n) => ({ id: n.id, url: n.url, group: n.group, state: 'active' })),
    indexes: {},
    retiredGenerations: {},
    lastCreation: {},
    aliases: {},
    spareTopics: {},
  };
  return {
    name: 'topology',
    // 2: creations carrying a retired generation are ignored; creation and deletion offsets are kept.
    // 3: swaps and renames (`IndexesSwapped`); retired generations are kept per log uid.
    // 4: spare document topics (`DocsTopicPrepared`), taken by `IndexCreated.docsTopic`.
    version: 4,
    initialState,
    evolve(state, record) {
      // A record at or below the folded offset was already applied: at-least-once delivery is harmless.
      if (record.offset <= state.offset) return state;
      return {
        ...applyEvent(state, record.event, options.replicationFactor, record.offset),
        offset: record.offset,
      };
    },
  };
}

/**
 * What became of an `IndexCreated` record for `uid` appended at `offset`, once `state` has folded
 * it. Several processes may append a creation for the same index; the control log's order decides:
 * - `created`: this record created the index;
 * - `exists`: the index already existed at this record, which was ignored (an explicit create
 *   fails with `index_already_exists`, an implicit one uses the index);
 * - `ignored`: no index existed at this record, but it carried a generation that a deletion the
 *   appender had not seen yet retired; the creation must be appended again with a new generation.
 * Only the latest generation's offsets are kept: if another process created a newer generation
 * after this record (a create, delete and create all within the appender's wait), the record is
 * reported as `exists`, which is what the appender sees next anyway.
 */
export function creationOutcome(
  state: TopologyState,
  uid: string,
  offset: number,
): 'created' | 'exists' | 'ignored' {
  const span = state.lastCreation[uid];
  if (span === undefined) return 'ignored';
  if (span.offset === offset) return 'created';
  if (span.offset > offset) return 'exists';
  return span.deletedOffset === null || span.deletedOffset > offset ? 'exists' : 'ignored';
}

/** Spare topics of `shards` partitions and spec fingerprint `spec`, in the order they were prepared. */
export function sparesFor(state: TopologyState, shards: number, spec: string): string[] {
  return Object.entries(state.spareTopics ?? {})
    .filter(([, spare]) => spare.shards === shards && spare.spec === spec)
    .map(([topic]) => topic);
}

/** Generation a new index `uid` gets: one past the last generation it ever had. */
export function nextGeneration(state: TopologyState, uid: string): number {
  // Topics are named by log uid and generation: skip every generation a live index (possibly
  // renamed or swapped to another client uid) or a deleted one used under this uid.
  const last = Math.max(lastLiveGeneration(state, uid), state.retiredGenerations[uid] ?? -1);
  return last + 1;
}

/** The shape `createTopology` validates and derives placement tables from. */
export function topologySpecOf(state: TopologyState): TopologySpec {
  const nodes: TopologyNode[] = state.nodes.map((n) => ({
    id: n.id,
    url: n.url,
    group: n.group,
    state: n.state,
  }));
  const indexes: TopologyIndex[] = Object.values(state.indexes).map((index) => ({
    uid: index.uid,
    primaryKey: index.primaryKey,
    shards: index.shards,
    rf: index.rf,
    // An index created before any node existed is held by the groups known now.
    groups: index.groups.length > 0 ? index.groups : state.groups,
    generation: index.generation,
    state: 'active',
    nodeIndexUid: index.nodeIndexUid,
    ...((index.logUid ?? index.uid) !== index.uid ? { logUid: index.logUid } : {}),
    ...(index.docsTopic !== undefined ? { docsTopic: index.docsTopic } : {}),
    ...(Object.keys(index.unready).length > 0 ? { unready: index.unready } : {}),
  }));
  // A spare is laid out as the next index will be: the cluster's RF over every group.
  const spares = Object.entries(state.spareTopics ?? {}).map(([topic, spare]) => ({
    topic,
    shards: spare.shards,
    rf: spare.rf,
  }));
  return {
    groups: state.groups.map((id) => ({ id, state: 'active' })),
    nodes,
    indexes,
    ...(spares.length > 0 ? { spares } : {}),
  };
}
