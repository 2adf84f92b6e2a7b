// `GET /_miroir/topology`: nodes, and per index its layout, every owner of every shard (all
// groups) and each owner's lag: events of the shard's partition the node has not applied yet
// (end offset - the committed offset of its indexer consumer group `<prefix>indexer.<nodeId>`),
// and the changelog role's lag on the index: document records not yet in its changelog.
import { changelogGroupId, indexerGroupId } from '#core/log/consumer-groups.ts';
import type { LogAdmin } from '#adapters/kafka.ts';
import { docsTopicOf, type TopicNames } from '#core/log/topics.ts';
import type { Topology } from '#core/topology.ts';
import type { TopologyState } from '#core/topology-projection.ts';

export interface TopologyNodeView {
  id: string;
  url: string;
  group: string;
  state: string;
}

export interface TopologyIndexView {
  uid: string;
  primaryKey: string | null;
  shards: number;
  rf: number;
  groups: string[];
  generation: number;
  nodeIndexUid: string;
  /** The generation's document topic (a spare it took, or `docs.<uid>.g<generation>`). */
  docsTopic: string;
  owners: Record<string, string[]>;
  lag: Record<string, Record<string, number>>;
  /** The changelog topic and the document records the changelog role has not folded yet (all shards). */
  changelog: { topic: string; lag: number };
}

export interface TopologyView {
  nodes: TopologyNodeView[];
  indexes: TopologyIndexView[];
  /** Spare document topics ready for the next index created, with their partition count. */
  spareTopics: { topic: string; shards: number }[];
}

export async function topologyView(
  state: TopologyState,
  topology: Topology | null,
  admin: Pick<LogAdmin, 'fetchLag'>,
  topics: TopicNames,
): Promise<TopologyView> {
  const nodes = state.nodes.map((n) => ({ id: n.id, url: n.url, group: n.group, state: n.state }));
  const indexes = await Promise.all(
    Object.values(state.indexes)
      .sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0))
      .map(async (index): Promise<TopologyIndexView> => {
        const table = topology?.tables.get(index.uid);
        const owners: Record<string, string[]> = {};
        const shardsOfNode = new Map<string, number[]>();
        for (let shard = 0; shard < index.shards; shard += 1) {
          const list = table === undefined ? [] : table.groups.flatMap((g) => [...(g.owners[shard] ?? [])]);
          owners[String(shard)] = list;
          for (const node of list) shardsOfNode.set(node, [...(shardsOfNode.get(node) ?? []), shard]);
        }
        const lag: Record<string, Record<string, number>> = {};
        const topic = docsTopicOf(topics, index);
        await Promise.all(
          [...shardsOfNode].map(async ([node, shards]) => {
            const perPartition = await admin.fetchLag(indexerGroupId(topics.prefix, node, topic), topic);
            const byShard: Record<string, number> = {};
            for (const shard of shards)
              byShard[String(shard)] = perPartition.find((p) => p.partition === shard)?.lag ?? 0;
            lag[node] = byShard;
          }),
        );
        const changelogLag = await admin.fetchLag(changelogGroupId(topics.prefix, topic), topic);
        return {
          uid: index.uid,
          primaryKey: index.primaryKey,
          shards: index.shards,
          rf: index.rf,
          groups: [...(index.groups.length > 0 ? index.groups : state.groups)],
          generation: index.generation,
          nodeIndexUid: index.nodeIndexUid,
          docsTopic: topic,
          owners,
          lag,
          changelog: {
            topic: topics.changelog(index.logUid ?? index.uid),
            lag: changelogLag.reduce((sum, p) => sum + p.lag, 0),
          },
        };
      }),
  );
  const spareTopics = Object.entries(state.spareTopics ?? {}).map(([topic, spare]) => ({
    topic,
    shards: spare.shards,
  }));
  return { nodes, indexes, spareTopics };
}
