// Coalesces the searches bound for one node within one event-loop turn into a single
// `POST /multi-search`: under load several client searches are in flight at once, and each node
// then pays its per-request cost (HTTP, routing, parsing) once per batch instead of once per
// search. A lone search goes out as a plain `/search`; a batch the node rejects is re-sent search
// by search, so every search still gets exactly the answer or error its own `/search` would.
import {
  isNodeApiError,
  type CallOptions,
  type Json,
  type JsonBody,
  type NodeClient,
} from '#adapters/node-client.ts';
import { copyWithout } from '#core/own-copy.ts';

interface Pending {
  readonly uid: string;
  readonly body: JsonBody;
  readonly opts: CallOptions;
  readonly resolve: (body: Json) => void;
  readonly reject: (err: Error) => void;
  settled: boolean;
  /** Detaches the abort listener once the search is settled. */
  release: () => void;
}

/**
 * Largest batch. A node runs a multi-search's queries one after another, where separate searches
 * could run on several of its cores at once: batches stay small so a multi-core node loses little
 * parallelism for the per-request cost it saves.
 */
const MAX_BATCH = 8;

function textOf(body: JsonBody): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** One query of a multi-search: the search body with `indexUid` as its first key. */
function queryText(uid: string, body: string): string {
  const head = `{"indexUid":${JSON.stringify(uid)}`;
  return body.trim() === '{}' ? `${head}}` : `${head},${body.trimStart().slice(1)}`;
}

/** Whether a body can join a batch: a JSON object that does not name an index itself. */
function batchable(text: string): boolean {
  return text.trimStart().startsWith('{') && !text.includes('"indexUid"');
}

export class SearchBatcher {
  private readonly queues = new Map<NodeClient, Pending[]>();
  private scheduled = false;

  /** `client.search(uid, body, opts)`, possibly sent together with other searches for the same node. */
  search(client: NodeClient, uid: string, body: JsonBody, opts: CallOptions = {}): Promise<Json> {
    if (opts.signal?.aborted === true) return client.search(uid, body, opts);
    return new Promise<Json>((resolve, reject) => {
      let queue = this.queues.get(client);
      if (queue === undefined) {
        queue = [];
        this.queues.set(client, queue);
      }
      const pending: Pending = { uid, body, opts, resolve, reject, settled: false, release: () => undefined };
      queue.push(pending);
      const signal = opts.signal;
      if (signal !== undefined) {
        // A cancelled search leaves its batch at once; the batch itself goes on for the others.
        const onAbort = (): void => {
          const reason: unknown = signal.reason;
          settle(pending, reason instanceof Error ? reason : new Error('The request was cancelled.'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.release = () => signal.removeEventListener('abort', onAbort);
      }
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queues = [...this.queues];
    this.queues.clear();
    for (const [client, queue] of queues) {
      for (let i = 0; i < queue.length; i += MAX_BATCH) send(client, queue.slice(i, i + MAX_BATCH));
    }
  }
}

const MULTI_SEARCH_ONLY: ReadonlySet<string> = new Set(['indexUid']);

/** A multi-search result as its own `/search` would answer: without the `indexUid` multi-search adds. */
function searchAnswerOf(result: Json): Json {
  return copyWithout(result, MULTI_SEARCH_ONLY);
}

function settle(pending: Pending, outcome: Json | Error): void {
  if (pending.settled) return;
  pending.settled = true;
  pending.release();
  if (outcome instanceof Error) pending.reject(outcome);
  else pending.resolve(outcome);
}

function sendOne(client: NodeClient, pending: Pending): void {
  if (pending.settled) return;
  client.search(pending.uid, pending.body, pending.opts).then(
    (body) => settle(pending, body),
    (err: unknown) => settle(pending, err instanceof Error ? err : new Error(String(err))),
  );
}

function send(client: NodeClient, batch: Pending[]): void {
  const live = batch.filter((pending) => !pending.settled);
  const texts = live.map((pending) => textOf(pending.body));
  if (live.length < 2 || !texts.every(batchable)) {
    for (const pending of live) sendOne(client, pending);
    return;
  }
  const body = `{"queries":[${live.map((pending, i) => queryText(pending.uid, texts[i] as string)).join(',')}]}`;
  client.multiSearch(body).then(
    (answer) => {
      const results = answer.results;
      if (!Array.isArray(results) || results.length !== live.length) {
        for (const pending of live) sendOne(client, pending);
        return;
      }
      live.forEach((pending, i) => {
        settle(pending, searchAnswerOf(results[i] as Json));
      });
    },
    (err: unknown) => {
      // The node refused the batch for one of its searches: each gets its own answer or error.
      if (isNodeApiError(err) && !err.retriable) {
        for (const pending of live) sendOne(client, pending);
        return;
      }
      const failure = err instanceof Error ? err : new Error(String(err));
      for (const pending of live) settle(pending, failure);
    },
  );
}
