// The partition-set assignor: kafkajs hands partitions out only through group assignment, so a
// member that wants an exact partition set publishes it in its join metadata and the group
// leader splits the wanted partitions (assignWantedPartitions, or whole topics on request).
import { AssignerProtocol, type Assigner, type PartitionAssigner } from 'kafkajs';
import { assignWholeTopics } from '#core/log/consumer-groups.ts';
import type { PartitionConsumerOptions, TopicPartitions } from './types.ts';

export const PARTITION_SET_ASSIGNER = 'MiroirPartitionSet';

export interface MemberWants {
  memberId: string;
  wants: readonly TopicPartitions[];
}

/**
 * Gives every wanted, existing partition to exactly one member that wants it, balancing load:
 * each partition (topics and partitions in ascending order) goes to the wanting member with the
 * fewest partitions so far, ties broken by member id. Deterministic, so every leader agrees.
 */
export function assignWantedPartitions(
  members: readonly MemberWants[],
  existing: ReadonlyMap<string, readonly number[]>,
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const load = new Map<string, number>(sorted.map((m) => [m.memberId, 0]));
  const result = new Map<string, Record<string, number[]>>(sorted.map((m) => [m.memberId, {}]));
  const topics = [...new Set(sorted.flatMap((m) => m.wants.map((w) => w.topic)))].sort();
  for (const topic of topics) {
    const present = new Set(existing.get(topic) ?? []);
    const wantedBy = new Map<number, string[]>();
    for (const m of sorted) {
      for (const w of m.wants) {
        if (w.topic !== topic) continue;
        for (const p of w.partitions) {
          if (!present.has(p)) continue;
          const list = wantedBy.get(p) ?? [];
          if (!list.includes(m.memberId)) list.push(m.memberId);
          wantedBy.set(p, list);
        }
      }
    }
    for (const partition of [...wantedBy.keys()].sort((a, b) => a - b)) {
      const candidates = wantedBy.get(partition) ?? [];
      let chosen: string | undefined;
      for (const id of candidates)
        if (chosen === undefined || (load.get(id) ?? 0) < (load.get(chosen) ?? 0)) chosen = id;
      if (chosen === undefined) continue;
      load.set(chosen, (load.get(chosen) ?? 0) + 1);
      const mine = result.get(chosen) ?? {};
      (mine[topic] ??= []).push(partition);
      result.set(chosen, mine);
    }
  }
  return result;
}

type AssignmentMode = NonNullable<PartitionConsumerOptions['assignment']>;

function encodeWants(wants: readonly TopicPartitions[], mode: AssignmentMode): Buffer {
  const list = wants.map((w) => ({ topic: w.topic, partitions: [...w.partitions] }));
  // A bare list is the spread form older members publish and understand.
  return Buffer.from(JSON.stringify(mode === 'spread' ? list : { mode, wants: list }));
}

function decodeWants(userData: Buffer | undefined): { wants: TopicPartitions[]; mode: AssignmentMode } {
  try {
    const parsed: unknown = JSON.parse(userData?.toString() ?? '[]');
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const { mode, wants } = parsed as { mode?: unknown; wants?: unknown };
      return { wants: wantsOf(wants), mode: mode === 'whole-topic' ? 'whole-topic' : 'spread' };
    }
    return { wants: wantsOf(parsed), mode: 'spread' };
  } catch {
    // A member that is not a Miroir partition-set consumer wants nothing from us.
    return { wants: [], mode: 'spread' };
  }
}

function wantsOf(parsed: unknown): TopicPartitions[] {
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (w): w is TopicPartitions =>
      typeof w === 'object' &&
      w !== null &&
      typeof w.topic === 'string' &&
      Array.isArray(w.partitions) &&
      w.partitions.every(Number.isInteger),
  );
}

/**
 * kafkajs only hands partitions out through group assignment, so an exact partition set needs
 * a custom assigner: each member publishes its wanted set in the join metadata, and the leader
 * runs assignWantedPartitions over all members.
 */
export function partitionSetAssigner(
  wants: readonly TopicPartitions[],
  mode: AssignmentMode,
): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name: PARTITION_SET_ASSIGNER,
    version: 1,
    async assign({ members, topics }) {
      await cluster.refreshMetadataIfNecessary();
      const existing = new Map<string, number[]>();
      for (const topic of topics) {
        existing.set(
          topic,
          cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId),
        );
      }
      const decoded = members.map((m) => ({
        memberId: m.memberId,
        ...decodeWants(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData),
      }));
      const wholeTopics = mode === 'whole-topic' || decoded.some((m) => m.mode === 'whole-topic');
      const plan = wholeTopics
        ? assignWholeTopics(decoded, existing)
        : assignWantedPartitions(decoded, existing);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: plan.get(m.memberId) ?? {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: PARTITION_SET_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: encodeWants(wants, mode),
        }),
      };
    },
  });
}
