// Shared fastify pieces for every HTTP role: an app (never listening) with /health, /metrics,
// request ids, request metrics, Meilisearch-shaped errors for everything that can go wrong
// before or inside a handler, Meilisearch's JSON body parsing rules, CORS and compression.
// Roles add their routes.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { errorBody, isMiroirError, miroirError, type MiroirError } from '#core/errors.ts';
import { installRequestDecompression } from './http-body-decoding.ts';
import { installResponseCompression, type ResponseCompressionOptions } from './http-compression.ts';
import { installCors } from './http-cors.ts';
import type { Logger } from './logger.ts';
import { declareMetrics, type Metrics, type MetricSet } from './metrics.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Content types the route accepts, listed in Meilisearch's content-type errors. Default: JSON only. */
    acceptedContentTypes?: readonly string[];
  }
}

export interface HttpAppOptions {
  logger: Logger;
  /** Serves /metrics and records request metrics when given. */
  metrics?: Metrics;
  /** Largest accepted body in bytes (config `ingest.payloadLimitBytes`). */
  bodyLimit: number;
  /**
   * Time from a request's arrival to its answer, body upload included (config
   * `http.requestTimeoutMs`): past it the answer is 503 `miroir_request_timeout`.
   */
  requestTimeoutMs?: number;
}

const JSON_TYPES = ['application/json'] as const;
const REQUEST_ID_HEADER = 'x-request-id';
const BLANK = /^\s*$/;
/** A caller-supplied request id is kept only if it is short and plain, so logs stay clean. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const httpMetricSpecs = {
  http_requests_total: {
    kind: 'counter',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
  },
  http_request_duration_seconds: {
    kind: 'histogram',
    help: 'HTTP request latency in seconds, by method, route and status.',
    labelNames: ['method', 'route', 'status'],
  },
} as const;
type HttpMetrics = MetricSet<typeof httpMetricSpecs>;

// Several apps may share one process registry (tests, `miroir dev`); declare the set once per registry.
const httpMetricsByRegistry = new WeakMap<Metrics['registry'], HttpMetrics>();
function httpMetrics(metrics: Metrics): HttpMetrics {
  let set = httpMetricsByRegistry.get(metrics.registry);
  if (!set) {
    set = declareMetrics(metrics, httpMetricSpecs);
    httpMetricsByRegistry.set(metrics.registry, set);
  }
  return set;
}

/** Byte sizes as Meilisearch prints its payload limit: decimal units when exact, else binary. */
export function formatByteSize(bytes: number): string {
  const units: Array<[number, string]> = [
    [1e12, 'TB'],
    [2 ** 40, 'TiB'],
    [1e9, 'GB'],
    [2 ** 30, 'GiB'],
    [1e6, 'MB'],
    [2 ** 20, 'MiB'],
    [1e3, 'KB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [size, unit] of units) if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  return `${bytes} B`;
}

function acceptedList(request: FastifyRequest): string {
  const types = request.routeOptions.config.acceptedContentTypes ?? JSON_TYPES;
  return types.map((t) => `\`${t}\``).join(', ');
}

/** Maps any error raised while serving a request to the Meilisearch error the client sees. */
export function toMiroirError(err: unknown, request: FastifyRequest, bodyLimit: number): MiroirError {
  if (isMiroirError(err)) return err;
  const e = err as Partial<FastifyError> & { validation?: unknown };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return miroirError(
        'payload_too_large',
        `The provided payload reached the size limit. The maximum accepted payload size is ${formatByteSize(bodyLimit)}.`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type'];
      return type === undefined || type === ''
        ? miroirError(
            'missing_content_type',
            `A Content-Type header is missing. Accepted values for the Content-Type header are: ${acceptedList(request)}`,
          )
        : miroirError(
            'invalid_content_type',
            `The Content-Type \`${type}\` is invalid. Accepted values for the Content-Type header are: ${acceptedList(request)}`,
          );
    }
    case 'FST_ERR_HANDLER_TIMEOUT':
      return miroirError(
        'miroir_request_timeout',
        `The request was not answered within ${request.routeOptions.handlerTimeout ?? 0} ms.`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return miroirError('missing_payload', 'A json payload is missing.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return miroirError(
        'malformed_payload',
        `The json payload provided is malformed. \`${e.message ?? ''}\`.`,
      );
    default:
      break;
  }
  if (e.validation !== undefined) return miroirError('bad_request', e.message ?? 'Invalid request.');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return miroirError('bad_request', e.message ?? 'Bad request.');
  return miroirError('internal', e.message ?? 'Internal error.', { cause: err });
}

type LogMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LevelAware = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };

/**
 * A request's logger, made a real child (bound to the request id) only when a line is written at
 * an enabled level: a pino child per request (bindings, redaction setup) is a sizeable share of
 * a search's CPU in the query role, and most requests write nothing through it (the request line
 * goes through the process logger). Methods live on the prototype: a request pays one small object.
 */
class LazyRequestLogger {
  private real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: LevelAware,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  private materialize(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings, this.opts));
  }

  private write(level: LogMethod, args: unknown[]): void {
    // A route's own log level (opts.level) can only be judged by the child itself.
    if (this.real === null && this.opts.level === undefined && this.parent.isLevelEnabled?.(level) === false)
      return;
    const logger = this.materialize();
    Reflect.apply(logger[level], logger, args);
  }

  get level(): string {
    return this.real?.level ?? this.parent.level;
  }
  set level(value: string) {
    this.materialize().level = value;
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.materialize().child(bindings, options);
  }
}

function lazyChildLogger(
  this: unknown,
  logger: FastifyBaseLogger,
  bindings: Bindings,
  opts: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, opts);
}

function requestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/**
 * What Meilisearch's actix middlewares do around every route: CORS (preflights answered first),
 * request bodies decoded from gzip/deflate/br, answers compressed per Accept-Encoding. Call it on
 * a fresh app, before other hooks: the preflight must come before auth, compression after every
 * payload change.
 */
export function installCorsAndCompression(
  app: FastifyInstance,
  compression: ResponseCompressionOptions = {},
): void {
  installCors(app);
  installRequestDecompression(app);
  installResponseCompression(app, compression);
}

export function createHttpApp(opts: HttpAppOptions): FastifyInstance {
  // Widened to fastify's base logger so roles get the plain FastifyInstance type.
  const logger: FastifyBaseLogger = opts.logger;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: opts.bodyLimit,
    // Two deadlines from the same key: fastify's handler timeout answers a slow request with a
    // Meilisearch-shaped error (and aborts request.signal); Node's request timeout drops a client
    // that has not finished sending (a raw 408, as actix answers past client_request_timeout).
    requestTimeout: opts.requestTimeoutMs ?? 0,
    ...(opts.requestTimeoutMs !== undefined ? { handlerTimeout: opts.requestTimeoutMs } : {}),
    genReqId: requestId,
    childLoggerFactory: lazyChildLogger,
    // One line per request is written below, without the query string (it may hold search text).
    logController: new LogController({ disableRequestLogging: true }),
    // Meilisearch normalises paths (actix NormalizePath, Trim): trailing and doubled slashes are ignored.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
  });

  // Meilisearch's JSON routes: an empty body is `missing_payload`, bad syntax `malformed_payload`.
  // text/plain is not accepted as a body anywhere, as in Meilisearch.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    // Blank as `trim() === ''` would say, without copying the whole body first.
    if (BLANK.test(text))
      return done(miroirError('missing_payload', 'A json payload is missing.'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(
        miroirError(
          'malformed_payload',
          `The json payload provided is malformed. \`${(err as Error).message}\`.`,
        ),
        undefined,
      );
    }
  });

  installCorsAndCompression(app);
  const metrics = opts.metrics ? httpMetrics(opts.metrics) : undefined;

  // Callback-style hooks: an async hook costs every request a promise and a microtask hop.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done(null, payload);
  });

  const recordResponse = (request: FastifyRequest, reply: FastifyReply): void => {
    // Route templates, not raw URLs, keep label cardinality bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    const seconds = reply.elapsedTime / 1000;
    metrics?.http_requests_total.inc({ method: request.method, route, status });
    metrics?.http_request_duration_seconds.observe({ method: request.method, route, status }, seconds);
    // Probes hit /health and /metrics every few seconds; their lines would drown the rest.
    const level = route === '/health' || route === '/metrics' ? 'debug' : 'info';
    // The line's object is built only when it will be written (the read path runs hot).
    if (!opts.logger.isLevelEnabled(level)) return;
    // Written by the process logger with the request id as its first field, the same line a
    // request child would write, so an info-level service still builds no child per request.
    opts.logger[level](
      {
        reqId: request.id,
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  };
  app.addHook('onResponse', (request, reply, done) => {
    recordResponse(request, reply);
    done();
  });

  app.setErrorHandler((err, request, reply: FastifyReply) => {
    const mapped = toMiroirError(err, request, opts.bodyLimit);
    if (mapped.status >= 500) request.log.error({ err, code: mapped.code }, 'request failed');
    else request.log.debug({ code: mapped.code, message: mapped.message }, 'request rejected');
    if (mapped.status === 503) reply.header('retry-after', '10');
    return reply.status(mapped.status).type('application/json').send(errorBody(mapped));
  });

  // Meilisearch (actix) answers unknown routes with a bare 404 and no body.
  app.setNotFoundHandler((_request, reply) => reply.status(404).send());

  app.get('/health', async () => ({ status: 'available' }));

  if (opts.metrics) {
    const registry = opts.metrics.registry;
    app.get('/metrics', async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
  }

  return app;
}
