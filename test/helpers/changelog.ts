// Reading a changelog topic back as a CDC consumer would: with a stock kafkajs consumer, and with
// the Kafka console consumer of the broker's own release; plus the fold every such consumer does
// (latest after-image per key, a tombstone removes it).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ensureKafkaJars } from '../../scripts/kafka.ts';
import type { Doc } from './cluster.ts';

export interface ChangelogRecord {
  partition: number;
  offset: number;
  key: string;
  value: string | null;
  headers: Record<string, string>;
}

/** Every committed record of the topic, read with kafkajs (read_committed is its default). */
export async function readWithKafkajs(brokers: string, topic: string): Promise<ChangelogRecord[]> {
  const kafka = new Kafka({
    clientId: 'cdc-test-reader',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const out: ChangelogRecord[] = [];
  const position = new Map<number, number>();
  const consumer = kafka.consumer({
    groupId: `cdc-test-${Date.now()}-${Math.random()}`,
    maxWaitTimeInMs: 200,
  });
  const caughtUp = (): boolean => [...ends].every(([p, end]) => (position.get(p) ?? 0) >= end);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    position.set(payload.partition, Number(payload.lastOffset) + 1);
    if (caughtUp()) done();
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
      out.push({
        partition,
        offset: Number(message.offset),
        key: message.key?.toString('utf8') ?? '',
        value: message.value === null ? null : message.value.toString('utf8'),
        headers,
      });
    },
  });
  if (!caughtUp()) await finished;
  await consumer.disconnect();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** key -> value lines of the topic, read by Kafka's own ConsoleConsumer (read_committed). */
export async function readWithConsoleConsumer(
  brokers: string,
  topic: string,
  maxMessages: number,
): Promise<Array<{ key: string; value: string | null }>> {
  const libs = await ensureKafkaJars();
  const args = [
    '-cp',
    join(libs, '*'),
    'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--from-beginning',
    '--isolation-level',
    'read_committed',
    '--max-messages',
    String(maxMessages),
    '--timeout-ms',
    '30000',
    '--formatter-property',
    'print.key=true',
    '--formatter-property',
    'key.separator=\u0001',
  ];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const lines = stdout.split('\n').filter((l) => l.includes('\u0001'));
  if (lines.length < maxMessages)
    throw new Error(
      `console consumer read ${lines.length} of ${maxMessages} records (exit ${code}): ${stderr.slice(-2000)}`,
    );
  return lines.map((line) => {
    const at = line.indexOf('\u0001');
    const value = line.slice(at + 1);
    return { key: line.slice(0, at), value: value === 'null' ? null : value };
  });
}

/** The documents a consumer ends with: latest after-image per key; deletes and tombstones remove. */
export function foldChangelog(records: Iterable<{ key: string; value: string | null }>): Map<string, Doc> {
  const state = new Map<string, Doc>();
  for (const r of records) {
    if (r.value === null) {
      state.delete(r.key);
      continue;
    }
    const envelope = JSON.parse(r.value) as { op: string; after: Doc | null };
    if (envelope.op === 'd' || envelope.after === null) state.delete(r.key);
    else state.set(r.key, envelope.after);
  }
  return state;
}

/** A node's document without the fields Miroir adds to it. */
export function withoutMiroirFields(doc: Doc): Doc {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_miroir')));
}
