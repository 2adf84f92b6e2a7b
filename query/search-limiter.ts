// Bounds the searches one client has running at once, so one caller cannot take every node slot.
// The client is a hash of its Authorization header value (an API key or a tenant token: each end
// user holding a token is a client of its own), else its remote address. Past the bound the answer
// is 429 with Retry-After and Meilisearch's own error for a full search queue.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody, miroirError } from '#core/errors.ts';

/** The search routes, as `METHOD route-template`. */
export const SEARCH_ROUTES: ReadonlySet<string> = new Set([
  'POST /indexes/:indexUid/search',
  'GET /indexes/:indexUid/search',
  'POST /indexes/:indexUid/facet-search',
  'POST /multi-search',
]);

/** What Meilisearch's message asks for when its search queue is full. */
export const RETRY_AFTER_SECONDS = 10;

/** Searches running per client; a client with none has no entry, so the map stays as small as the load. */
export class SearchLimiter {
  private readonly running = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Takes a slot for `client`; false when it already has `limit` searches running. */
  tryAcquire(client: string): boolean {
    const count = this.running.get(client) ?? 0;
    if (count >= this.limit) return false;
    this.running.set(client, count + 1);
    return true;
  }

  release(client: string): void {
    const count = this.running.get(client) ?? 0;
    if (count <= 1) this.running.delete(client);
    else this.running.set(client, count - 1);
  }

  /** Clients with at least one search running. */
  get clients(): number {
    return this.running.size;
  }
}

/** The client a request counts against: never the header value itself, which is a secret. */
export function clientOf(request: FastifyRequest): string {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization !== '')
    return `key:${createHash('sha256').update(authorization).digest('base64url')}`;
  return `addr:${request.ip}`;
}

/** Installs the limit on the search routes of `app`; a limit of 0 installs nothing. */
export function installSearchLimiter(app: FastifyInstance, limit: number): SearchLimiter | undefined {
  if (limit <= 0) return undefined;
  const limiter = new SearchLimiter(limit);
  const body = errorBody(
    miroirError(
      'too_many_search_requests',
      `Too many search requests running at the same time: ${limit}. Retry after ${RETRY_AFTER_SECONDS}s.`,
    ),
  );
  // Callback style and a set lookup: every request of the process passes here.
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !SEARCH_ROUTES.has(`${request.method} ${route}`)) {
      done();
      return;
    }
    const client = clientOf(request);
    if (!limiter.tryAcquire(client)) {
      // Meilisearch answers a full queue with 503; a per-client bound is the client's excess: 429.
      void reply
        .code(429)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .type('application/json')
        .send(body);
      return;
    }
    // The slot is held until the answer is sent or the connection dropped, whichever comes first.
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      limiter.release(client);
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    done();
  });
  return limiter;
}
