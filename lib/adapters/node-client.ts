// The only module that speaks HTTP to Meilisearch nodes: one keep-alive undici Pool per node,
// a deadline per request (and an optional caller signal that cancels it), the node's API key as
// a bearer token. Requests go through undici's low-level dispatch, so the read path pays for no
// response stream and no header parsing it does not read. Failures leave in three kinds
// (CONVENTIONS rule 5): the node answered an error (`NodeApiError`), the request never got an
// answer (`remote_could_not_send_request`), or it ran out of time (`remote_timeout`).
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { miroirError, type MiroirError } from '#core/errors.ts';

/** A Meilisearch error object as a node sends it. */
export interface NodeErrorBody {
  message: string;
  code: string;
  type: string;
  link: string;
}

/** The node answered with an error status; its Meilisearch error object is kept as sent. */
export class NodeApiError extends Error {
  readonly nodeId: string;
  readonly status: number;
  readonly body: NodeErrorBody;
  readonly code: string;
  readonly type: string;
  /** 5xx and 429 are the node's trouble (retry later); other statuses reject the request itself. */
  readonly retriable: boolean;

  constructor(nodeId: string, status: number, body: NodeErrorBody) {
    super(body.message);
    this.name = 'NodeApiError';
    this.nodeId = nodeId;
    this.status = status;
    this.body = body;
    this.code = body.code;
    this.type = body.type;
    this.retriable = status >= 500 || status === 429;
  }
}

export function isNodeApiError(err: unknown): err is NodeApiError {
  return err instanceof NodeApiError;
}

/** True for every failure worth retrying later: transport, timeout, 5xx/429 answers. */
export function isRetriableNodeFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}

/** The 202 summary of an asynchronous Meilisearch route. */
export interface EnqueuedTask {
  taskUid: number;
  indexUid: string | null;
  status: string;
  type: string;
  enqueuedAt: string;
}

export type TaskStatus = 'enqueued' | 'processing' | 'succeeded' | 'failed' | 'canceled';

/** The fields of a Meilisearch task object Miroir reads; the rest passes through untyped. */
export interface NodeTask {
  uid: number;
  indexUid: string | null;
  status: TaskStatus;
  type: string;
  details?: Record<string, unknown>;
  error: NodeErrorBody | null;
  [key: string]: unknown;
}

export interface NodeIndex {
  uid: string;
  primaryKey: string | null;
  createdAt: string;
  updatedAt: string;
}

export type Json = Record<string, unknown>;

export interface WaitForTaskOptions {
  /** Give up (retriable `remote_timeout`) after this long; default 5 minutes. */
  timeoutMs?: number;
  /**
   * First poll delay; doubles up to `maxIntervalMs`. Defaults 2 ms and 500 ms: a small batch is
   * done within a few ms, and the indexer's report (and so the client's task) waits on this poll.
   */
  intervalMs?: number;
  maxIntervalMs?: number;
}

export interface NodeClientOptions {
  /** Stable node id, carried by every error for logs and reports. */
  nodeId: string;
  url: string;
  apiKey?: string;
  /** Deadline of one request, connect to last body byte (default 30 s). */
  timeoutMs?: number;
  /** Keep-alive connections of the pool (default 16). */
  connections?: number;
}

/** Per-call options of the read routes. */
export interface CallOptions {
  /** Aborting it cancels the request (a hedge's loser); the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * A request body already serialized as JSON. The query role sends one search to several nodes and
 * serializes it once; a plain object is serialized per call.
 */
export type JsonBody = Json | string;

export interface NodeClient {
  readonly nodeId: string;
  readonly url: string;
  health(): Promise<{ status: string }>;
  createIndex(uid: string, primaryKey?: string | null): Promise<EnqueuedTask>;
  getIndex(uid: string): Promise<NodeIndex>;
  deleteIndex(uid: string): Promise<EnqueuedTask>;
  updatePrimaryKey(uid: string, primaryKey: string): Promise<EnqueuedTask>;
  /** `POST /documents` (add or replace). `documents` is a JSON array, as bytes or as values. */
  addDocuments(
    uid: string,
    documents: Buffer | readonly unknown[],
    opts?: { primaryKey?: string | null },
  ): Promise<EnqueuedTask>;
  /** `PUT /documents` (add or update: partial merge). */
  updateDocuments(
    uid: string,
    documents: Buffer | readonly unknown[],
    opts?: { primaryKey?: string | null },
  ): Promise<EnqueuedTask>;
  /** `POST /documents/delete-batch`. */
  deleteDocuments(uid: string, ids: readonly (string | number)[]): Promise<EnqueuedTask>;
  /** `POST /documents/delete` with a filter string or array. */
  deleteDocumentsByFilter(
    uid: string,
    filter: string | readonly (string | readonly string[])[],
  ): Promise<EnqueuedTask>;
  /** `DELETE /documents`: every document of the node's index. */
  clearDocuments(uid: string): Promise<EnqueuedTask>;
  getSettings(uid: string): Promise<Json>;
  /** `PATCH /settings` with Meilisearch's partial semantics (`null` resets a setting). */
  updateSettings(uid: string, settings: Json): Promise<EnqueuedTask>;
  getTask(taskUid: number): Promise<NodeTask>;
  /** Polls until the task succeeded, failed or was canceled; the task object is returned either way. */
  waitForTask(taskUid: number, opts?: WaitForTaskOptions): Promise<NodeTask>;
  search(uid: string, request: JsonBody, opts?: CallOptions): Promise<Json>;
  multiSearch(request: JsonBody, opts?: CallOptions): Promise<Json>;
  facetSearch(uid: string, request: JsonBody, opts?: CallOptions): Promise<Json>;
  getDocument(uid: string, id: string, opts?: { fields?: readonly string[] } & CallOptions): Promise<Json>;
  /** `POST /documents/fetch`: `{ results, offset, limit, total }`. */
  fetchDocuments(uid: string, request: JsonBody, opts?: CallOptions): Promise<Json>;
  indexStats(uid: string, opts?: CallOptions): Promise<Json>;
  stats(): Promise<Json>;
  /** `GET /version`: `{ commitSha, commitDate, pkgVersion }`. */
  version(): Promise<Json>;
  close(): Promise<void>;
}

const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'canceled']);

function pathOf(...segments: string[]): string {
  return `/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
}

function isErrorBody(value: unknown): value is NodeErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === 'string' && typeof v.code === 'string' && typeof v.type === 'string';
}

function isTimeoutError(err: unknown): boolean {
  return (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError ||
    (err instanceof Error && err.name === 'TimeoutError')
  );
}

/** What a finished exchange hands back: the status and the body text, or why there is none. */
type Outcome = { status: number; text: string } | { error: Error; timedOut: boolean };

/**
 * One exchange as an undici dispatch handler: collects the status and body chunks, and ends at
 * most once, on the answer, a transport error, its deadline or the caller's signal. Aborting
 * before undici connected the request is remembered and applied when it does.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private chunks: Buffer[] = [];
  private abortFn: ((err: Error) => void) | null = null;
  private ended = false;
  private abortReason: Error | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly finish: (outcome: Outcome) => void,
    timeoutMs: number,
    timeoutError: () => Error,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.abort(timeoutError(), true), timeoutMs);
    signal?.addEventListener('abort', this.onSignal, { once: true });
  }

  private readonly onSignal = (): void => {
    const reason: unknown = this.signal?.reason;
    this.abort(reason instanceof Error ? reason : new Error('The request was cancelled.'), false);
  };

  private end(outcome: Outcome): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onSignal);
    this.finish(outcome);
  }

  private abort(reason: Error, timedOut: boolean): void {
    if (this.ended) return;
    this.abortReason = reason;
    this.end({ error: reason, timedOut });
    this.abortFn?.(reason);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.abortReason !== null) abort(this.abortReason);
    else this.abortFn = abort;
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const chunks = this.chunks;
    const text =
      chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.end({ status: this.status, text });
  }

  onError(err: Error): void {
    this.end({ error: err, timedOut: isTimeoutError(err) });
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createNodeClient(opts: NodeClientOptions): NodeClient {
  let origin: URL;
  try {
    origin = new URL(opts.url);
  } catch (cause) {
    throw miroirError(
      'miroir_invalid_config',
      `Node \`${opts.nodeId}\` has an invalid url \`${opts.url}\`.`,
      { cause },
    );
  }
  if (origin.protocol !== 'http:' && origin.protocol !== 'https:') {
    throw miroirError(
      'miroir_invalid_config',
      `Node \`${opts.nodeId}\` url \`${opts.url}\` must use http or https.`,
    );
  }
  // A base path (node behind a reverse proxy under a prefix) is kept in front of every route.
  const basePath = origin.pathname.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const pool = new Pool(origin.origin, {
    connections: opts.connections ?? 16,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: Math.min(timeoutMs, 10_000) },
  });
  const nodeId = opts.nodeId;
  const authHeader = opts.apiKey === undefined ? undefined : `Bearer ${opts.apiKey}`;

  function transportError(method: string, path: string, err: unknown, timedOut: boolean): MiroirError {
    const what = `${method} ${path} on node \`${nodeId}\``;
    if (timedOut)
      return miroirError('remote_timeout', `${what} timed out after ${timeoutMs} ms.`, {
        retriable: true,
        cause: err,
      });
    const reason = err instanceof Error ? err.message : String(err);
    return miroirError('remote_could_not_send_request', `${what} failed: ${reason}.`, {
      retriable: true,
      cause: err,
    });
  }

  function request<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    body?: Buffer | string,
    query?: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T> {
    const search = query === undefined ? '' : `?${new URLSearchParams(query).toString()}`;
    const headers: string[] = [];
    if (authHeader !== undefined) headers.push('authorization', authHeader);
    if (body !== undefined) headers.push('content-type', 'application/json');
    if (signal?.aborted === true) {
      const reason: unknown = signal.reason;
      return Promise.reject(reason instanceof Error ? reason : new Error('The request was cancelled.'));
    }
    return new Promise<T>((resolve, reject) => {
      const finish = (outcome: Outcome): void => {
        if ('error' in outcome) {
          // The caller's own cancellation leaves as its reason, not as the node's failure.
          if (signal?.aborted === true && outcome.error === signal.reason) reject(outcome.error);
          else reject(transportError(method, path, outcome.error, outcome.timedOut));
          return;
        }
        try {
          resolve(answerOf<T>(method, path, outcome.status, outcome.text));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      const exchange = new Exchange(
        finish,
        timeoutMs,
        () => new Error(`no answer within ${timeoutMs} ms`),
        signal,
      );
      pool.dispatch({ method, path: `${basePath}${path}${search}`, headers, body: body ?? null }, exchange);
    });
  }

  /** The parsed answer of a node, or its error as a NodeApiError. */
  function answerOf<T>(method: string, path: string, status: number, text: string): T {
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        if (status < 400) {
          throw miroirError(
            'remote_bad_response',
            `${method} ${path} on node \`${nodeId}\` answered ${status} with a body that is not JSON.`,
            { retriable: true, cause },
          );
        }
      }
    }
    if (status >= 400) {
      const errorBody: NodeErrorBody = isErrorBody(parsed)
        ? {
            message: parsed.message,
            code: parsed.code,
            type: parsed.type,
            link: typeof parsed.link === 'string' ? parsed.link : '',
          }
        : // A proxy or a crashed node may answer without a Meilisearch error object.
          {
            message: `Node \`${nodeId}\` answered ${status} to ${method} ${path}.`,
            code: 'remote_bad_response',
            type: 'system',
            link: '',
          };
      throw new NodeApiError(nodeId, status, errorBody);
    }
    return parsed as T;
  }

  const json = (value: unknown): string => JSON.stringify(value);
  const jsonBody = (value: JsonBody): string => (typeof value === 'string' ? value : JSON.stringify(value));
  const documentsBody = (documents: Buffer | readonly unknown[]): Buffer | string =>
    Buffer.isBuffer(documents) ? documents : json(documents);
  const pkQuery = (primaryKey: string | null | undefined): Record<string, string> | undefined =>
    primaryKey === undefined || primaryKey === null ? undefined : { primaryKey };

  // Search paths are built once per index uid: the read path asks the same few over and over.
  const searchPaths = new Map<string, string>();
  const searchPath = (uid: string, route: 'search' | 'facet-search'): string => {
    const key = `${route}\u0000${uid}`;
    let path = searchPaths.get(key);
    if (path === undefined) {
      path = pathOf('indexes', uid, route);
      if (searchPaths.size > 1000) searchPaths.clear();
      searchPaths.set(key, path);
    }
    return path;
  };

  async function getTask(taskUid: number): Promise<NodeTask> {
    return request<NodeTask>('GET', pathOf('tasks', String(taskUid)));
  }

  return {
    nodeId,
    url: opts.url,
    health: () => request('GET', '/health'),
    createIndex: (uid, primaryKey = null) => request('POST', '/indexes', json({ uid, primaryKey })),
    getIndex: (uid) => request('GET', pathOf('indexes', uid)),
    deleteIndex: (uid) => request('DELETE', pathOf('indexes', uid)),
    updatePrimaryKey: (uid, primaryKey) => request('PATCH', pathOf('indexes', uid), json({ primaryKey })),
    addDocuments: (uid, documents, o) =>
      request('POST', pathOf('indexes', uid, 'documents'), documentsBody(documents), pkQuery(o?.primaryKey)),
    updateDocuments: (uid, documents, o) =>
      request('PUT', pathOf('indexes', uid, 'documents'), documentsBody(documents), pkQuery(o?.primaryKey)),
    deleteDocuments: (uid, ids) =>
      request('POST', `${pathOf('indexes', uid, 'documents')}/delete-batch`, json(ids)),
    deleteDocumentsByFilter: (uid, filter) =>
      request('POST', `${pathOf('indexes', uid, 'documents')}/delete`, json({ filter })),
    clearDocuments: (uid) => request('DELETE', pathOf('indexes', uid, 'documents')),
    getSettings: (uid) => request('GET', pathOf('indexes', uid, 'settings')),
    updateSettings: (uid, settings) => request('PATCH', pathOf('indexes', uid, 'settings'), json(settings)),
    getTask,
    async waitForTask(taskUid, o = {}) {
      const deadline = Date.now() + (o.timeoutMs ?? 300_000);
      let interval = o.intervalMs ?? 2;
      const maxInterval = o.maxIntervalMs ?? 500;
      for (;;) {
        const task = await getTask(taskUid);
        if (TERMINAL.has(task.status)) return task;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw miroirError(
            'remote_timeout',
            `Task ${taskUid} on node \`${nodeId}\` is still ${task.status} after ${o.timeoutMs ?? 300_000} ms.`,
            { retriable: true },
          );
        }
        await delay(Math.min(interval, left));
        interval = Math.min(interval * 2, maxInterval);
      }
    },
    search: (uid, body, o) =>
      request('POST', searchPath(uid, 'search'), jsonBody(body), undefined, o?.signal),
    multiSearch: (body, o) => request('POST', '/multi-search', jsonBody(body), undefined, o?.signal),
    facetSearch: (uid, body, o) =>
      request('POST', searchPath(uid, 'facet-search'), jsonBody(body), undefined, o?.signal),
    getDocument: (uid, id, o) =>
      request(
        'GET',
        pathOf('indexes', uid, 'documents', id),
        undefined,
        o?.fields === undefined ? undefined : { fields: o.fields.join(',') },
        o?.signal,
      ),
    fetchDocuments: (uid, body, o) =>
      request('POST', `${pathOf('indexes', uid, 'documents')}/fetch`, jsonBody(body), undefined, o?.signal),
    indexStats: (uid, o) => request('GET', pathOf('indexes', uid, 'stats'), undefined, undefined, o?.signal),
    stats: () => request('GET', '/stats'),
    version: () => request('GET', '/version'),
    close: () => pool.close(),
  };
}
