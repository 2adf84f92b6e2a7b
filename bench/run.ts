// `npm run bench -- NAME [args]`: loads bench/NAME.ts, awaits its `run(args)` and prints the
// returned BenchResult as the last stdout line. Without a known NAME it lists the benches and
// exits 1. Files here that are not benches: run.ts, harness.ts, and any name starting with `_`.
import { readdirSync } from 'node:fs';
import { assertBenchResult, log, printResult, type BenchResult } from './harness.ts';

const NOT_BENCHES = new Set(['run', 'harness']);

function availableBenches(): string[] {
  return readdirSync(import.meta.dirname)
    .filter((file) => file.endsWith('.ts') && !file.startsWith('_'))
    .map((file) => file.slice(0, -'.ts'.length))
    .filter((name) => !NOT_BENCHES.has(name))
    .sort();
}

function usage(reason: string): never {
  log(reason);
  log('usage: npm run bench -- NAME [args]');
  log(`benches: ${availableBenches().join(', ') || '(none)'}`);
  process.exit(1);
}

/** Exits once stdout has flushed, so a bench that leaves a handle open cannot hang the run. */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (name === undefined || name === '') usage('missing bench name');
  if (!availableBenches().includes(name)) usage(`unknown bench \`${name}\``);
  const module = (await import(`./${name}.ts`)) as { run?: (args: string[]) => Promise<BenchResult> };
  if (typeof module.run !== 'function') usage(`bench/${name}.ts does not export run(args)`);
  const started = performance.now();
  const result = await module.run(args);
  assertBenchResult(result);
  log(
    `${name}: ${result.value} ${result.unit} (baseline ${result.baseline}, ratio ${result.ratio}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  printResult(result);
  exitAfterFlush(0);
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
