// The broker a bench runs against: KAFKA_BROKERS when set, else a local one started for the run
// (and stopped by `stop`), so `npm run bench -- ingest|index` works on a fresh clone.
import { readFileSync } from 'node:fs';
import { startKafka, waitUntilAnswering } from '../scripts/kafka.ts';

export interface BenchBroker {
  brokers: string;
  /** The broker's process when this run started it (its CPU time can then be read). */
  pid?: number;
  stop(): Promise<void>;
}

export async function benchBroker(log: (line: string) => void): Promise<BenchBroker> {
  const given = process.env.KAFKA_BROKERS;
  if (given) {
    if (!(await waitUntilAnswering(given, 15_000))) throw new Error(`KAFKA_BROKERS=${given} does not answer`);
    return { brokers: given, stop: async () => {} };
  }
  const kafka = await startKafka({ log });
  return { brokers: kafka.brokers, pid: kafka.pid, stop: () => kafka.stop() };
}

/**
 * CPU milliseconds (user + system) a process used so far, from /proc (Linux); null elsewhere or
 * when the process is gone. Benches report CPU per document next to throughput, since wall-clock
 * numbers on a shared 2-core machine swing with the other load.
 */
export function processCpuMs(pid: number): number | null {
  try {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of stat.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux architecture Node supports.
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/** A 1 KB-ish document: the npm record padded with a deterministic description. */
export function kilobyteDoc(i: number): Record<string, unknown> {
  const base = {
    id: `d${i}`,
    name: `package-${i}`,
    version: `${i % 10}.${i % 7}.${i % 3}`,
    downloads: (i * 7919) % 1_000_000,
  };
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
