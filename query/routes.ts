// The query role's HTTP surface: Meilisearch's read routes (search, multi-search, facet search,
// documents, stats, version) on a fastify app, plus Miroir's read headers (`X-Miroir-Strict`,
// `X-Miroir-Wait-For-Task` in; `X-Miroir-Degraded` out). `buildQueryApp` never listens.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHttpApp } from '#adapters/http-server.ts';
import { requestAllowsIndex, withTenantFilter } from '#adapters/http-auth.ts';
import type { Logger } from '#adapters/logger.ts';
import type { Metrics } from '#adapters/metrics.ts';
import { miroirError } from '#core/errors.ts';
import {
  documentQuery,
  documentsBodyFromQuery,
  searchBodyFromQuery,
  type QueryParams,
} from './get-params.ts';
import type { QueryResult, QueryService, ReadOptions } from './service.ts';
import { parseWaitForTask, WAIT_FOR_TASK_HEADER } from './wait-for-task.ts';

export const STRICT_HEADER = 'x-miroir-strict';

const INDEX_UID = /^[A-Za-z0-9_-]{1,400}$/;

function indexUidOf(request: FastifyRequest): string {
  const { indexUid } = request.params as { indexUid: string };
  if (!INDEX_UID.test(indexUid)) {
    throw miroirError(
      'invalid_index_uid',
      `\`${indexUid}\` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`,
    );
  }
  return indexUid;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Miroir's read headers: strictness and read-your-writes. */
export function readOptionsOf(request: FastifyRequest): ReadOptions {
  const opts: ReadOptions = {};
  const strict = headerText(request.headers[STRICT_HEADER]);
  if (strict !== undefined) {
    const value = strict.trim().toLowerCase();
    if (value !== 'true' && value !== 'false') {
      throw miroirError(
        'invalid_header_value',
        `Invalid value in header \`X-Miroir-Strict\`: expected \`true\` or \`false\`, but found \`${strict}\`.`,
      );
    }
    opts.strict = value === 'true';
  }
  const taskUid = parseWaitForTask(request.headers[WAIT_FOR_TASK_HEADER]);
  if (taskUid !== undefined) opts.waitForTask = taskUid;
  return opts;
}

function send<B>(reply: FastifyReply, result: QueryResult<B>): FastifyReply {
  const headers = result.headers;
  for (const name in headers) reply.header(name, headers[name]);
  return reply.status(200).send(result.body);
}

/** Registers the read routes on an app that already serves `/health` (the shared HTTP app). */
export function registerQueryRoutes(app: FastifyInstance, service: QueryService): void {
  const query = (request: FastifyRequest): QueryParams => request.query as QueryParams;

  // A tenant token's filter of the index is ANDed into every search kind (Meilisearch's add_search_rules).
  app.post('/indexes/:indexUid/search', async (request, reply) => {
    const uid = indexUidOf(request);
    return send(
      reply,
      await service.search(uid, withTenantFilter(request, uid, request.body), readOptionsOf(request)),
    );
  });
  app.get('/indexes/:indexUid/search', async (request, reply) => {
    const uid = indexUidOf(request);
    const body = withTenantFilter(request, uid, searchBodyFromQuery(query(request)));
    return send(reply, await service.search(uid, body, readOptionsOf(request)));
  });
  app.post('/multi-search', async (request, reply) =>
    send(reply, await service.multiSearch(authorizedQueries(request), readOptionsOf(request))),
  );
  app.post('/indexes/:indexUid/facet-search', async (request, reply) => {
    const uid = indexUidOf(request);
    return send(
      reply,
      await service.facetSearch(uid, withTenantFilter(request, uid, request.body), readOptionsOf(request)),
    );
  });
  app.get('/indexes/:indexUid/documents/:documentId', async (request, reply) => {
    const { documentId } = request.params as { documentId: string };
    return send(
      reply,
      await service.getDocument(
        indexUidOf(request),
        documentId,
        documentQuery(query(request)),
        readOptionsOf(request),
      ),
    );
  });
  app.get('/indexes/:indexUid/documents', async (request, reply) =>
    send(
      reply,
      await service.fetchDocuments(
        indexUidOf(request),
        documentsBodyFromQuery(query(request)),
        readOptionsOf(request),
      ),
    ),
  );
  app.post('/indexes/:indexUid/documents/fetch', async (request, reply) =>
    send(reply, await service.fetchDocuments(indexUidOf(request), request.body, readOptionsOf(request))),
  );
  app.get('/indexes/:indexUid/stats', async (request, reply) => {
    checkStatsQuery(query(request));
    return send(reply, await service.indexStats(indexUidOf(request), readOptionsOf(request)));
  });
  app.get('/stats', async (request, reply) => {
    checkStatsQuery(query(request));
    const indexVisible = (uid: string): boolean => requestAllowsIndex(request, uid);
    return send(reply, await service.stats({ ...readOptionsOf(request), indexVisible }));
  });
  app.get('/version', async (_request, reply) => send(reply, service.version()));
}

/**
 * A multi-search body whose queries the request's key may run, each with its tenant token filter:
 * a query on an index the key (or token) does not cover is refused as Meilisearch refuses it.
 * Malformed bodies pass through untouched for the service to reject with its own errors.
 */
function authorizedQueries(request: FastifyRequest): unknown {
  const body = request.body;
  if (request.miroirAuth === undefined || typeof body !== 'object' || body === null) return body;
  const queries = (body as { queries?: unknown }).queries;
  if (!Array.isArray(queries)) return body;
  const checked = queries.map((query: unknown, position) => {
    if (typeof query !== 'object' || query === null) return query;
    const uid = (query as { indexUid?: unknown }).indexUid;
    if (typeof uid !== 'string') return query;
    if (!requestAllowsIndex(request, uid))
      throw miroirError(
        'invalid_api_key',
        `Inside \`.queries[${position}]\`: The provided API key is invalid.`,
      );
    return withTenantFilter(request, uid, query);
  });
  return { ...body, queries: checked };
}

/** The stats routes take `showInternalDatabaseSizes` and `sizeFormat`; sizes are always raw here. */
function checkStatsQuery(params: QueryParams): void {
  for (const [key, value] of Object.entries(params)) {
    if (key === 'showInternalDatabaseSizes') {
      if (value !== 'true' && value !== 'false') {
        throw miroirError(
          'invalid_stats_show_internal_database_sizes',
          `Invalid value in parameter \`${key}\`: could not parse \`${String(value)}\` as a boolean, expected either \`true\` or \`false\``,
        );
      }
    } else if (key === 'sizeFormat') {
      if (value !== 'raw' && value !== 'human') {
        throw miroirError(
          'invalid_stats_size_format',
          `Unknown value \`${String(value)}\` for parameter \`sizeFormat\`: expected one of \`raw\`, \`human\``,
        );
      }
    } else {
      throw miroirError(
        'bad_request',
        `Unknown parameter \`${key}\`: expected one of \`showInternalDatabaseSizes\`, \`sizeFormat\``,
      );
    }
  }
}

export interface QueryAppOptions {
  service: QueryService;
  logger: Logger;
  metrics?: Metrics;
  bodyLimit?: number;
}

/** A standalone query app (tests, benches): the shared HTTP app plus the read routes. */
export function buildQueryApp(opts: QueryAppOptions): FastifyInstance {
  const app = createHttpApp({
    logger: opts.logger,
    bodyLimit: opts.bodyLimit ?? 100_000_000,
    ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
  });
  registerQueryRoutes(app, opts.service);
  return app;
}
