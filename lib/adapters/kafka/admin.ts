// The admin behind KafkaClient.admin(): idempotent topic creation (leaders polled through a
// retry-less probe client), topic and offset queries, group assignment, lag. Creation tolerates
// other processes creating the same topic at the same moment.
import {
  AssignerProtocol,
  type Admin,
  type ConfigResourceTypes,
  type ConfigSource,
  type Kafka,
} from 'kafkajs';
import { isMiroirError, miroirError } from '#core/errors.ts';
import { checkTopic, guard, invalid, isTransient, rootMessage, toKafkaError } from './errors.ts';
import type { CommittedOffset, LogAdmin, TopicDescription } from './types.ts';

// kafkajs' ConfigResourceTypes and ConfigSource enums are not among the names Node's ESM loader can import from
// its CommonJS entry point, so only its type is imported and the values are spelled here.
const CONFIG_RESOURCE_TOPIC = 2 as ConfigResourceTypes;
const CONFIG_SOURCE_TOPIC = 1 as ConfigSource;

export async function createAdmin(kafka: Kafka, probeKafka: Kafka): Promise<LogAdmin> {
  const admin: Admin = kafka.admin();
  await guard('admin connect', () => admin.connect());
  let probe: Promise<Admin> | undefined;
  const probeAdmin = (): Promise<Admin> =>
    (probe ??= (async () => {
      const client = probeKafka.admin();
      await client.connect();
      return client;
    })().catch((err: unknown) => {
      probe = undefined;
      throw err;
    }));

  /**
   * Waits until every partition of a topic just created has a leader. kafkajs' own
   * `waitForLeaders` polls with its retry back-off (100+ ms per try); KRaft elects the leaders
   * in the creation record itself, so a short poll sees them within milliseconds.
   */
  const leadersElected = async (topic: string, partitions: number): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
      try {
        const meta = await (await probeAdmin()).fetchTopicMetadata({ topics: [topic] });
        const found = meta.topics[0]?.partitions ?? [];
        if (found.length >= partitions && found.every((p) => p.leader >= 0)) return;
      } catch {
        // Not in the broker's metadata yet: poll again.
      }
      if (Date.now() > deadline)
        throw miroirError(
          'miroir_log_unavailable',
          `Kafka topic '${topic}' got no partition leaders in 30 s.`,
          {
            retriable: true,
          },
        );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  const topicExists = async (topic: string): Promise<boolean> => (await admin.listTopics()).includes(topic);

  const describe = async (topic: string): Promise<TopicDescription | null> => {
    checkTopic(topic);
    // Asking metadata for a missing topic makes kafkajs retry for seconds; check the list first.
    if (!(await guard('list topics', () => topicExists(topic)))) return null;
    const meta = await guard('describe topic', () => admin.fetchTopicMetadata({ topics: [topic] }));
    const partitions = (meta.topics[0]?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
    const described = await guard('describe topic configs', () =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: CONFIG_RESOURCE_TOPIC, name: topic }],
      }),
    );
    const configs: Record<string, string> = {};
    for (const entry of described.resources[0]?.configEntries ?? []) {
      // Only values set on this topic itself. Broker-wide values (Kafka 4 sets a
      // cluster default min.insync.replicas at bootstrap) are not the topic's own.
      if (entry.configSource === CONFIG_SOURCE_TOPIC && entry.configValue !== null)
        configs[entry.configName] = entry.configValue;
    }
    return { topic, partitions, configs };
  };

  /**
   * Whether the topic exists; after a transient creation error (the broker still electing
   * leaders, slow under load) its metadata may lag, so it is polled for a few seconds.
   */
  const appearsSoon = async (topic: string, wait: boolean): Promise<boolean> => {
    for (let attempt = 1; ; attempt += 1) {
      if (await guard('list topics', () => topicExists(topic))) return true;
      if (!wait || attempt >= 15) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 500)));
    }
  };

  /** describe(), waiting a little for a topic another process just created to get its partitions' leaders. */
  const describeWhenReady = async (topic: string): Promise<TopicDescription | null> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await describe(topic);
      } catch (err) {
        if (attempt >= 20 || !isMiroirError(err) || !err.retriable) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 500)));
      }
    }
  };

  const endOffsets = async (topic: string): Promise<{ partition: number; low: number; high: number }[]> => {
    checkTopic(topic);
    const offsets = await guard('fetch topic offsets', () => admin.fetchTopicOffsets(topic));
    return offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  };

  const commits = async (groupId: string, topic: string): Promise<Map<number, CommittedOffset>> => {
    checkTopic(topic);
    if (typeof groupId !== 'string' || groupId.length === 0)
      throw invalid('Fetching committed offsets needs a non-empty groupId.');
    const result = await guard('fetch committed offsets', () =>
      admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    const map = new Map<number, CommittedOffset>();
    for (const p of result[0]?.partitions ?? []) {
      const n = Number(p.offset);
      map.set(p.partition, { offset: n >= 0 ? n : null, metadata: p.metadata ?? null });
    }
    return map;
  };

  const committed = async (groupId: string, topic: string): Promise<Map<number, number | null>> =>
    new Map([...(await commits(groupId, topic))].map(([partition, c]) => [partition, c.offset]));

  return {
    async createTopic(spec) {
      checkTopic(spec.topic);
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > 10_000) {
        throw invalid(
          `Invalid partition count ${JSON.stringify(spec.partitions)} for topic '${spec.topic}': expected an integer in 1..10000.`,
        );
      }
      const configEntries = Object.entries(spec.configs ?? {}).map(([name, value]) => ({
        name,
        value: String(value),
      }));
      let created: boolean;
      try {
        created = await admin.createTopics({
          waitForLeaders: false,
          topics: [
            {
              topic: spec.topic,
              numPartitions: spec.partitions,
              replicationFactor: spec.replicationFactor ?? -1,
              configEntries,
            },
          ],
        });
      } catch (err) {
        // kafkajs reports "already exists" as false, but a topic another process is creating at the
        // same moment surfaces as an error: "already exists", or UNKNOWN_TOPIC_OR_PARTITION while
        // its leaders are elected. Either way the topic is there (or about to be): not a failure.
        if (!/already exists/i.test(rootMessage(err)) && !(await appearsSoon(spec.topic, isTransient(err))))
          throw toKafkaError(err, `create topic '${spec.topic}'`);
        created = false;
      }
      if (created) {
        await leadersElected(spec.topic, spec.partitions);
        return true;
      }
      const existing = await describeWhenReady(spec.topic);
      if (existing && existing.partitions.length !== spec.partitions) {
        throw invalid(
          `Kafka topic '${spec.topic}' already exists with ${existing.partitions.length} partitions, not ${spec.partitions}.`,
        );
      }
      return false;
    },
    async deleteTopics(topics) {
      for (const t of topics) checkTopic(t);
      const present = new Set(await guard('list topics', () => admin.listTopics()));
      const targets = topics.filter((t) => present.has(t));
      if (targets.length > 0) await guard('delete topics', () => admin.deleteTopics({ topics: targets }));
    },
    listTopics: async () =>
      (await guard('list topics', () => admin.listTopics())).filter((t) => !t.startsWith('__')).sort(),
    describeTopic: describe,
    async fetchEndOffsets(topic) {
      return new Map((await endOffsets(topic)).map((o) => [o.partition, o.high]));
    },
    fetchCommittedOffsets: committed,
    fetchCommits: commits,
    async describeGroupAssignment(groupId) {
      if (typeof groupId !== 'string' || groupId.length === 0)
        throw invalid('describeGroupAssignment needs a non-empty groupId.');
      const { groups } = await guard('describe group', () => admin.describeGroups([groupId]));
      return (groups[0]?.members ?? []).map((m) => {
        const decoded =
          m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
        const assignment = Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({
          topic,
          partitions: [...partitions].sort((a, b) => a - b),
        }));
        return { memberId: m.memberId, clientId: m.clientId, assignment };
      });
    },
    async fetchLag(groupId, topic) {
      const [ends, commits] = await Promise.all([endOffsets(topic), committed(groupId, topic)]);
      return ends.map(({ partition, low, high }) => {
        const c = commits.get(partition) ?? null;
        return { partition, committed: c, start: low, end: high, lag: Math.max(0, high - (c ?? low)) };
      });
    },
    close: () =>
      guard('admin disconnect', async () => {
        const opened = probe;
        probe = undefined;
        await admin.disconnect();
        if (opened !== undefined) await (await opened.catch(() => undefined))?.disconnect();
      }),
  };
}
