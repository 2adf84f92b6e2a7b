// The client side of the conformance tier and of the fidelity bench's transcript replay: put a
// server in the reference state (the npm index the Meilisearch 1.50 transcripts were recorded on),
// send it requests, compare its answers with the reference ones and summarise the agreement by
// kind of difference. Servers are reached over plain HTTP, as any client would.
import {
  compareAnswers,
  brief,
  type ConformanceAnswer,
  type ConformanceRequest,
  type ConformanceVerdict,
} from './_fidelity-compare.ts';

export type Doc = Record<string, unknown>;

/** How the reference index was built before the recorded requests (see the transcripts' README). */
export const NPM_INDEX = {
  uid: 'npm',
  primaryKey: 'id',
  settings: {
    searchableAttributes: ['name', 'summary', 'scope'],
    filterableAttributes: ['major', 'downloads', 'scope'],
    sortableAttributes: ['downloads', 'name'],
  },
  batchSize: 10_000,
} as const;

export interface Outcome {
  request: ConformanceRequest;
  verdict: ConformanceVerdict;
}

export interface AgreementSummary {
  total: number;
  agreed: number;
  /** agreed / total. */
  ratio: number;
  /** Requests showing each kind of difference, most frequent first. */
  byKind: Array<{ kind: string; count: number; examples: string[] }>;
}

/** Sends one request; a body that is not JSON is kept as text so the comparison reports it. */
export async function send(baseUrl: string, req: ConformanceRequest): Promise<ConformanceAnswer> {
  const res = await fetch(`${baseUrl}${req.path}`, {
    method: req.method,
    ...(req.body !== undefined
      ? { body: JSON.stringify(req.body), headers: { 'content-type': 'application/json' } }
      : {}),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: res.status, body };
}

async function sendOk(baseUrl: string, req: ConformanceRequest): Promise<Record<string, unknown>> {
  const answer = await send(baseUrl, req);
  if (answer.status >= 400)
    throw new Error(`${req.method} ${req.path} answered ${answer.status}: ${brief(answer.body, 400)}`);
  return answer.body as Record<string, unknown>;
}

/** Polls a task until it ends; throws unless it succeeded. */
export async function waitForTask(baseUrl: string, taskUid: number, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await sendOk(baseUrl, { method: 'GET', path: `/tasks/${taskUid}` });
    if (task.status === 'succeeded') return;
    if (task.status === 'failed' || task.status === 'canceled')
      throw new Error(`task ${taskUid} ${String(task.status)}: ${brief(task.error, 400)}`);
    if (Date.now() > deadline)
      throw new Error(`task ${taskUid} still ${String(task.status)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function enqueue(baseUrl: string, req: ConformanceRequest): Promise<void> {
  const task = await sendOk(baseUrl, req);
  if (typeof task.taskUid !== 'number')
    throw new Error(`${req.method} ${req.path} returned no taskUid: ${brief(task)}`);
  await waitForTask(baseUrl, task.taskUid);
}

/**
 * The reference state: the settings as one PATCH before any document, then the documents in
 * batches of 10,000, each waited for before the next (as the transcripts were recorded).
 */
export async function loadNpmIndex(baseUrl: string, docs: readonly Doc[]): Promise<void> {
  const uid = NPM_INDEX.uid;
  await enqueue(baseUrl, { method: 'PATCH', path: `/indexes/${uid}/settings`, body: NPM_INDEX.settings });
  for (let from = 0; from < docs.length; from += NPM_INDEX.batchSize) {
    await enqueue(baseUrl, {
      method: 'POST',
      path: `/indexes/${uid}/documents?primaryKey=${NPM_INDEX.primaryKey}`,
      body: docs.slice(from, from + NPM_INDEX.batchSize),
    });
  }
}

/**
 * Asks `baseUrl` every request and compares its answer with `reference(i)` (a recorded answer,
 * or another server's). A few requests are in flight at once: the servers answer in parallel,
 * and the comparison does not depend on timing.
 */
export async function compareAll(
  baseUrl: string,
  requests: readonly ConformanceRequest[],
  reference: (req: ConformanceRequest, i: number) => Promise<ConformanceAnswer> | ConformanceAnswer,
  concurrency = 4,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(requests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < requests.length; i = next++) {
      const request = requests[i] as ConformanceRequest;
      const [expected, actual] = await Promise.all([reference(request, i), send(baseUrl, request)]);
      outcomes[i] = {
        request,
        verdict: compareAnswers(request, expected, actual, { primaryKey: NPM_INDEX.primaryKey }),
      };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

export function summarize(outcomes: readonly Outcome[], examplesPerKind = 3): AgreementSummary {
  const kinds = new Map<string, { count: number; examples: string[] }>();
  let agreed = 0;
  for (const { request, verdict } of outcomes) {
    if (verdict.agree) agreed += 1;
    verdict.kinds.forEach((kind, k) => {
      const entry = kinds.get(kind) ?? { count: 0, examples: [] };
      entry.count += 1;
      if (entry.examples.length < examplesPerKind)
        entry.examples.push(
          `${request.method} ${request.path} ${brief(request.body, 240)}\n      -> ${verdict.details[k] ?? ''}`,
        );
      kinds.set(kind, entry);
    });
  }
  const byKind = [...kinds.entries()]
    .map(([kind, v]) => ({ kind, ...v }))
    .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  return {
    total: outcomes.length,
    agreed,
    ratio: outcomes.length === 0 ? 1 : agreed / outcomes.length,
    byKind,
  };
}

/** The report a conformance test prints: agreement, then each kind of difference with examples. */
export function formatSummary(label: string, s: AgreementSummary): string {
  const lines = [`[conformance] ${label}: ${s.agreed}/${s.total} agree (${(s.ratio * 100).toFixed(1)}%)`];
  for (const { kind, count, examples } of s.byKind) {
    lines.push(`  ${kind}: ${count}`);
    for (const example of examples) lines.push(`    e.g. ${example}`);
  }
  return lines.join('\n');
}
