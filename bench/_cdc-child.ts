// The process the cdc bench measures (so its RSS is the role's alone): `fold` runs one changelog
// folder over a document topic, exactly as the changelog role does; `raw` is the baseline, the
// same records read and written once per document with the same client, no state, no transaction.
// Args: mode brokers prefix docsTopic shards dataDir. Runs until SIGTERM.
import { readFileSync } from 'node:fs';
import { createKafkaClient } from '#adapters/kafka.ts';
import { createLogger } from '#adapters/logger.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import type { DocumentsUpsertedEvent } from '#core/events/document-events.ts';
import { changelogTopicSpec, dlqTopicSpec } from '#core/log/topic-configs.ts';
import { topicNames } from '#core/log/topics.ts';
import { initRouting } from '#core/routing/hash.ts';
import { ensureTopicWith } from '#adapters/read-models/read-models.ts';
import { ChangelogFolder } from '../changelog/folder.ts';

const [mode, brokers, prefix, docsTopic, shardsText, dataDir] = process.argv.slice(2);
if (!mode || !brokers || !prefix || !docsTopic || !shardsText || !dataDir) throw new Error('bad arguments');
const shards = Number(shardsText);
await initRouting();
const kafka = createKafkaClient({ brokers, clientId: `cdc-bench-${mode}` });
const admin = await kafka.admin();
const topics = topicNames(prefix);
const logUid = 'bench';
const policy = { brokerReplicationFactor: 1 };
const ensure = ensureTopicWith(admin);
await ensure(changelogTopicSpec(topics, logUid, 6, policy));
await ensure(dlqTopicSpec(topics, logUid, policy));
const codec = defaultEventCodec();
let stop: () => Promise<void>;
if (mode === 'fold') {
  const folder = new ChangelogFolder(
    {
      indexUid: logUid,
      logUid,
      generation: 0,
      shards,
      docsTopic,
      changelogTopic: topics.changelog(logUid),
      dlqTopic: topics.dlq(logUid),
    },
    {
      kafka,
      admin,
      codec,
      logger: createLogger({ service: 'cdc-bench', level: 'warn' }),
      topicPrefix: prefix,
      dataDir,
      compression: 'lz4',
    },
  );
  await folder.start();
  stop = () => folder.stop();
} else {
  const producer = await kafka.producer({ compression: 'lz4' });
  const rawTopic = `${prefix}raw-copy`;
  await admin.createTopic({ topic: rawTopic, partitions: 6 });
  const group = `${prefix}raw`;
  const consumer = kafka.partitionConsumer({
    groupId: group,
    partitions: [{ topic: docsTopic, partitions: Array.from({ length: shards }, (_, i) => i) }],
    handler: async (batch) => {
      const out = [];
      for (const m of batch.messages) {
        const event = codec.decode(m.value!) as DocumentsUpsertedEvent;
        for (let i = 0; i < event.ids.length; i++)
          out.push({ topic: rawTopic, key: event.ids[i]!, value: event.documents[i]! });
      }
      await producer.send(out);
      await consumer.commit(
        batch.topic,
        batch.partition,
        batch.messages[batch.messages.length - 1]!.offset + 1,
      );
    },
  });
  await consumer.start();
  stop = async () => {
    await consumer.stop();
    await producer.close();
  };
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void stop().finally(() => process.exit(0));
});
if (process.env.CDC_BENCH_MEMLOG)
  setInterval(() => {
    const m = process.memoryUsage();
    const mb = (n: number): number => Math.round(n / 1048576);
    process.stderr.write(
      `[cdc child] ${smaps()} rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`,
    );
  }, 5_000).unref();

function smaps(): string {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (name: string): number =>
      Math.round(Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024);
    return `anon ${kb('Pss_Anon')} file ${kb('Pss_File')} shmem ${kb('Pss_Shmem')}`;
  } catch {
    return '';
  }
}
