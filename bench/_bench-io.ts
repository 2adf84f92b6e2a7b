// Plumbing several benches share: numeric `--name=N` arguments, temporary folders removed at the
// end of a run, and the two Meilisearch calls a bench makes over HTTP (a JSON request, and
// waiting for a task to succeed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The value of `--name=N` among `args`, or `fallback`. */
export function numArg(args: readonly string[], name: string, fallback: number): number {
  const raw = args.find((a) => a.startsWith(`--${name}=`));
  return raw === undefined ? fallback : Number(raw.slice(name.length + 3));
}

/** Temporary folders named `<prefix>XXXXXX`, all removed by `removeAll`. */
export function tempDirs(prefix: string): { make(): string; removeAll(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A JSON request; an error status throws with the answer. */
export async function meiliJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status >= 400)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Polls a Meilisearch-style task every `pollMs` until it is finished; throws unless it succeeded. */
export async function taskSucceeded(base: string, uid: number, pollMs = 20): Promise<void> {
  for (;;) {
    const task = await meiliJson(`${base}/tasks/${uid}`);
    if (task.status === 'succeeded') return;
    if (task.status === 'failed' || task.status === 'canceled')
      throw new Error(`task ${uid}: ${JSON.stringify(task.error)}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
