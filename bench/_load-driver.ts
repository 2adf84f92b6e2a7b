// The search bench's load driver, in its own process (started with `fork`): the query service
// under test keeps its event loop to itself, as a deployed query role does, and the driver's own
// CPU is measured apart. Each IPC message is one job; the answer carries every latency.
import { Pool } from 'undici';

export interface DriveJob {
  url: string;
  path: string;
  queries: readonly Record<string, unknown>[];
  concurrency: number;
  requests: number;
}

export interface DriveReport {
  latencies: number[];
  elapsedMs: number;
  errors: number;
  /** This process's CPU (user + system) over the job, in ms. */
  cpuMs: number;
}

/** `concurrency` workers send the queries in turn until `requests` are done. */
export async function drive(job: DriveJob): Promise<DriveReport> {
  const pool = new Pool(job.url, { connections: job.concurrency });
  const bodies = job.queries.map((query) => JSON.stringify(query));
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= job.requests) return;
      const t0 = performance.now();
      const res = await pool.request({
        method: 'POST',
        path: job.path,
        headers: { 'content-type': 'application/json' },
        body: bodies[i % bodies.length],
      });
      await res.body.text();
      latencies.push(performance.now() - t0);
      if (res.statusCode !== 200) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await pool.close();
  return { latencies, elapsedMs, errors, cpuMs: (cpu.user + cpu.system) / 1000 };
}

if (process.send !== undefined) {
  process.on('message', (job: DriveJob) => {
    drive(job).then(
      (report) => process.send?.({ report }),
      (err: unknown) => process.send?.({ error: String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
