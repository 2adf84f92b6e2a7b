// The broker a bench runs against: KAFKA_BROKERS when set, else a local one started for the run
// (and stopped by `stop`), so `npm run bench -- ingest|index` works on a fresh clone.
import { startKafka, waitUntilAnswering } from '../scripts/kafka.ts';

export interface BenchBroker {
  brokers: string;
  stop(): Promise<void>;
}

export async function benchBroker(log: (line: string) => void): Promise<BenchBroker> {
  const given = process.env.KAFKA_BROKERS;
  if (given) {
    if (!(await waitUntilAnswering(given, 15_000))) throw new Error(`KAFKA_BROKERS=${given} does not answer`);
    return { brokers: given, stop: async () => {} };
  }
  const kafka = await startKafka({ log });
  return { brokers: kafka.brokers, stop: () => kafka.stop() };
}

/** A 1 KB-ish document: the npm record padded with a deterministic description. */
export function kilobyteDoc(i: number): Record<string, unknown> {
  const base = { id: `d${i}`, name: `package-${i}`, version: `${i % 10}.${i % 7}.${i % 3}`, downloads: (i * 7919) % 1_000_000 };
  const filler = `word${i % 97} lorem ipsum dolor sit amet ${i} `.repeat(40);
  return { ...base, description: filler.slice(0, 1024 - JSON.stringify(base).length - 17) };
}

/** Runs `jobs` with at most `width` in flight. */
export async function inFlight<T>(jobs: ReadonlyArray<() => Promise<T>>, width: number): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}
