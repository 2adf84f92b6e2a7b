// Shared benchmark plumbing: the `BenchResult` every bench returns, timing with warm-up and
// repeated runs (median, p99), and `printResult`, which makes the JSON object the last stdout
// line so scripts can read `npm run bench -- NAME | tail -1`.

/** `value` is the measured figure in `unit`; `baseline` the same measure of the reference in the same run. */
export interface BenchResult {
  bench: string;
  value: number;
  unit: string;
  baseline: number;
  /** value / baseline. */
  ratio: number;
  [key: string]: unknown;
}

export interface TimingOptions {
  /** Untimed calls first, so the JIT has compiled the hot path. Default 50. */
  readonly warmup?: number;
  /** Timed calls. Default 200. */
  readonly runs?: number;
}

export interface Timing {
  readonly runs: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** Nearest-rank percentile of ascending samples (p in (0, 100]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) throw new Error('median of no samples');
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(samplesMs: readonly number[]): Timing {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    medianMs: median(sorted),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
    minMs: sorted[0] as number,
    maxMs: sorted[sorted.length - 1] as number,
  };
}

// Results are kept here so the engine cannot drop a call whose value nobody reads.
let sink: unknown;

/** Times a synchronous function: `warmup` untimed calls, then `runs` timed ones. */
export function time(fn: () => unknown, options: TimingOptions = {}): Timing {
  const { warmup = 50, runs = 200 } = options;
  for (let i = 0; i < warmup; i++) sink = fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    sink = fn();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

/**
 * Times several functions in alternating rounds (a, b, a, b, ...) and pools each one's samples:
 * machine noise from other processes or frequency changes then hits every contender alike.
 * Every function is warmed up before the first timed round.
 */
export function timeInterleaved<K extends string>(
  fns: Readonly<Record<K, () => unknown>>,
  options: TimingOptions & { readonly rounds?: number } = {},
): Record<K, Timing> {
  const { warmup = 50, runs = 200, rounds = 5 } = options;
  const names = Object.keys(fns) as K[];
  const samples = new Map<K, number[]>(names.map((name) => [name, []]));
  for (const name of names) for (let i = 0; i < warmup; i++) sink = fns[name]();
  const perRound = Math.max(1, Math.ceil(runs / rounds));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const fn = fns[name];
      const list = samples.get(name) as number[];
      for (let i = 0; i < perRound; i++) {
        const start = performance.now();
        sink = fn();
        list.push(performance.now() - start);
      }
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples.get(name) as number[])])) as Record<
    K,
    Timing
  >;
}

export async function timeAsync(fn: () => Promise<unknown>, options: TimingOptions = {}): Promise<Timing> {
  const { warmup = 5, runs = 50 } = options;
  for (let i = 0; i < warmup; i++) sink = await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    sink = await fn();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

/** The last value a timed function returned (lets a bench check what it measured). */
export function lastResult(): unknown {
  return sink;
}

/** A human line for stderr: median, p99, runs. */
export function formatTiming(label: string, timing: Timing): string {
  return `${label}: median ${timing.medianMs.toFixed(4)} ms, p99 ${timing.p99Ms.toFixed(4)} ms, min ${timing.minMs.toFixed(4)} ms (${timing.runs} runs)`;
}

/** Human progress goes to stderr so stdout carries only the result. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Reads `--name=value` as a positive integer, or the default. */
export function intArg(args: readonly string[], name: string, fallback: number): number {
  const prefix = `--${name}=`;
  const raw = args.find((arg) => arg.startsWith(prefix));
  if (raw === undefined) return fallback;
  const value = Number(raw.slice(prefix.length));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} expects a positive integer, got ${raw.slice(prefix.length)}`);
  return value;
}

export function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

/** Rejects anything that is not a well-formed BenchResult, before it reaches a consumer. */
export function assertBenchResult(value: unknown): asserts value is BenchResult {
  const r = value as Partial<BenchResult> | null;
  const problems: string[] = [];
  if (r === null || typeof r !== 'object') throw new Error('a bench must return a BenchResult object');
  if (typeof r.bench !== 'string' || r.bench === '') problems.push('bench');
  if (typeof r.unit !== 'string' || r.unit === '') problems.push('unit');
  for (const key of ['value', 'baseline', 'ratio'] as const)
    if (typeof r[key] !== 'number' || !Number.isFinite(r[key])) problems.push(key);
  if (problems.length > 0) throw new Error(`malformed BenchResult: bad ${problems.join(', ')}`);
}

/** Prints the result as one JSON line, the last one on stdout. */
export function printResult(result: BenchResult): void {
  assertBenchResult(result);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
