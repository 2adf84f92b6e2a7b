// `miroir cdc tail <index> [--from-beginning] [--format json|envelope] [--config FILE]
// [--brokers B]`: prints an index's changes as they are committed to its changelog topic. With
// --from-beginning it first prints the current documents (op `r`, from the compacted changelog,
// latest record per key), then follows. Stops on SIGINT or SIGTERM.
import { createKafkaClient, kafkaConnectionOf, type ConsumedMessage } from '#adapters/kafka.ts';
import { parseChangeEnvelope } from '#core/cdc/envelope.ts';
import { formatChange, TAIL_FORMATS, type TailFormat } from '#core/cdc/tail-format.ts';
import { topicNames } from '#core/log/topics.ts';
import { parseCommandArgs } from '../args.ts';
import { loadConfigFromCli } from './serve.ts';

const USAGE =
  'usage: miroir cdc tail <index> [--from-beginning] [--format json|envelope] [--config FILE] [--brokers host:port,...]\n';

export async function run(argv: string[]): Promise<number> {
  const [sub, index, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (sub !== 'tail' || index === undefined || index.startsWith('-')) {
    process.stderr.write(`miroir cdc: expected \`tail <index>\`\n${USAGE}`);
    return 2;
  }
  const values = parseCommandArgs(
    'cdc tail',
    rest,
    {
      'from-beginning': { type: 'boolean', default: false },
      format: { type: 'string', default: 'json' },
      config: { type: 'string' },
      brokers: { type: 'string' },
    },
    USAGE,
  );
  if (typeof values === 'number') return values;
  const format = values.format as TailFormat;
  if (!TAIL_FORMATS.includes(format)) {
    process.stderr.write(`miroir cdc tail: --format must be json or envelope\n${USAGE}`);
    return 2;
  }
  const config = loadConfigFromCli('cdc tail', values.config, {
    ...(values.brokers !== undefined ? { kafka: { brokers: values.brokers.split(',') } } : {}),
  });
  if (config === undefined) return 2;
  const topics = topicNames(config.kafka.topicPrefix);
  const topic = topics.changelog(index);
  const kafka = createKafkaClient({
    ...kafkaConnectionOf(config.kafka),
    clientId: `${config.kafka.clientId}-cdc-tail`,
  });
  const admin = await kafka.admin();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      process.stderr.write(
        `miroir cdc tail: no changelog topic \`${topic}\` for index \`${index}\` (is the changelog role running, and has the index been written?)\n`,
      );
      return 1;
    }
    const ends = await admin.fetchEndOffsets(topic);
    const print = (line: string | null): void => {
      if (line !== null) process.stdout.write(`${line}\n`);
    };
    if (values['from-beginning'])
      await printSnapshot(kafka, topic, ends, config.kafka.topicPrefix, format, print);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await kafka.readRange({
      topic,
      from: ends,
      groupPrefix: config.kafka.topicPrefix,
      signal: stop.signal,
      handler: async (_partition, messages) => {
        for (const m of messages) print(formatChange(keyOf(m), parseChangeEnvelope(m.value), format));
      },
    });
    return 0;
  } finally {
    await admin.close();
  }
}

/**
 * The changelog up to `ends`, one line per live document: a first pass finds each key's last
 * record (only keys are kept in memory), a second prints those that are not deletes.
 */
async function printSnapshot(
  kafka: ReturnType<typeof createKafkaClient>,
  topic: string,
  ends: ReadonlyMap<number, number>,
  groupPrefix: string,
  format: TailFormat,
  print: (line: string | null) => void,
): Promise<void> {
  const last = new Map<string, number>();
  await kafka.readRange({
    topic,
    to: ends,
    groupPrefix,
    handler: async (partition, messages) => {
      for (const m of messages) last.set(keyOf(m), positionOf(partition, m));
    },
  });
  await kafka.readRange({
    topic,
    to: ends,
    groupPrefix,
    handler: async (partition, messages) => {
      for (const m of messages)
        if (last.get(keyOf(m)) === positionOf(partition, m) && m.value !== null) {
          const envelope = parseChangeEnvelope(m.value);
          if (envelope !== null && envelope.op !== 'd') print(formatChange(keyOf(m), envelope, format, true));
        }
    },
  });
}

function keyOf(m: ConsumedMessage): string {
  return m.key?.toString('utf8') ?? '';
}

/** A record's place in the topic as one number (partitions hold far fewer than 2^40 records). */
function positionOf(partition: number, m: ConsumedMessage): number {
  return partition * 2 ** 40 + m.offset;
}
