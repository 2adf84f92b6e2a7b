// Consumer groups of the indexer: one group per node and document topic (index generation), so
// a node's committed offset per document partition is exactly its applied progress (lag = end
// offset - committed offset), a new index joins a group of its own without rebalancing the
// node's other indexes; and the assignment that keeps each document topic of a node in one
// member (settings order).

/** `<prefix>indexer.<nodeId>.<topic>`, e.g. `miroir.indexer.node-1.miroir.docs.books.g0`. */
export function indexerGroupId(prefix: string, nodeId: string, topic: string): string {
  return `${prefix}indexer.${nodeId}.${topic}`;
}

/**
 * `<prefix>changelog.<topic>`: the changelog role's group of one document topic; also its
 * transactional id, so a restarted role fences the one it replaces.
 */
export function changelogGroupId(prefix: string, topic: string): string {
  return `${prefix}changelog.${topic}`;
}

/** What one group member asks for: the partitions of each topic it wants to consume. */
export interface GroupMemberWants {
  readonly memberId: string;
  readonly wants: readonly { readonly topic: string; readonly partitions: readonly number[] }[];
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Assignment that keeps every topic whole: all wanted partitions of one topic go to one member.
 * An indexer group is one node, and a topic is one index generation on it; with the whole topic
 * in one process, that process alone pushes the index's settings barriers, so the node can never
 * get an older settings version from a lagging peer. Topics (ascending) go to the member that
 * wants most of their partitions, then the least loaded, then the lowest member id. Partitions
 * the chosen member does not want (members disagree only while a topology change propagates,
 * and each member rejoins once it follows it) go to another member that wants them, so nothing
 * stays unread. Deterministic, so every leader computes the same plan.
 */
export function assignWholeTopics(
  members: readonly GroupMemberWants[],
  existing: ReadonlyMap<string, readonly number[]>,
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort((a, b) => byId(a.memberId, b.memberId));
  const load = new Map<string, number>(sorted.map((m) => [m.memberId, 0]));
  const result = new Map<string, Record<string, number[]>>(sorted.map((m) => [m.memberId, {}]));
  const topics = [...new Set(sorted.flatMap((m) => m.wants.map((w) => w.topic)))].sort(byId);
  const give = (memberId: string, topic: string, partition: number): void => {
    load.set(memberId, (load.get(memberId) ?? 0) + 1);
    const mine = result.get(memberId) ?? {};
    (mine[topic] ??= []).push(partition);
    result.set(memberId, mine);
  };
  for (const topic of topics) {
    const present = new Set(existing.get(topic) ?? []);
    const wanted = new Map<string, Set<number>>();
    for (const m of sorted) {
      const set = wanted.get(m.memberId) ?? new Set<number>();
      for (const w of m.wants)
        if (w.topic === topic) for (const p of w.partitions) if (present.has(p)) set.add(p);
      if (set.size > 0) wanted.set(m.memberId, set);
    }
    let chosen: string | undefined;
    for (const [id, set] of wanted) {
      if (chosen === undefined) {
        chosen = id;
        continue;
      }
      const best = wanted.get(chosen)?.size ?? 0;
      if (set.size > best || (set.size === best && (load.get(id) ?? 0) < (load.get(chosen) ?? 0)))
        chosen = id;
    }
    if (chosen === undefined) continue;
    const all = [...new Set([...wanted.values()].flatMap((s) => [...s]))].sort((a, b) => a - b);
    for (const partition of all) {
      if (wanted.get(chosen)?.has(partition) === true) {
        give(chosen, topic, partition);
        continue;
      }
      let other: string | undefined;
      for (const [id, set] of wanted)
        if (set.has(partition) && (other === undefined || (load.get(id) ?? 0) < (load.get(other) ?? 0)))
          other = id;
      if (other !== undefined) give(other, topic, partition);
    }
  }
  return result;
}

const SETTINGS_METADATA = /^settings=(\d{1,15})$/;

/**
 * Offset-commit metadata of an indexer group: the highest settings version the node index has
 * received. A member that takes partitions over (rebalance, crash) reads it back, so it skips
 * barriers the node already got past, whoever pushed them.
 */
export function appliedSettingsMetadata(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0)
    throw new RangeError(`settings version must be a non-negative integer, got ${version}`);
  return `settings=${version}`;
}

/** The version `appliedSettingsMetadata` wrote; -1 for metadata of any other shape (or none). */
export function appliedSettingsOf(metadata: string | null | undefined): number {
  const match = SETTINGS_METADATA.exec(metadata ?? '');
  return match === null ? -1 : Number(match[1]);
}
