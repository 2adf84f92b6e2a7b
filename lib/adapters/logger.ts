// The pino JSON logger every process uses. Bindings are a fixed vocabulary (service, then index,
// shard, node, partition, offset on child loggers) so logs can be queried the same way across
// roles. Secrets are always redacted; query text and documents never reach info and above.
import { pino, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';

export type { Logger } from 'pino';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The only keys child loggers may bind. */
export interface LogBindings {
  index?: string;
  shard?: number;
  node?: string;
  partition?: number;
  /** Kafka offsets are strings in kafkajs (64-bit). */
  offset?: string;
}

export interface CreateLoggerOptions {
  service: string;
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a collecting stream. */
  destination?: DestinationStream;
}

export const REDACTED = '[redacted]';
export const OMITTED = '[omitted below debug]';

/** Secret-bearing paths, redacted at every level. */
export const REDACT_PATHS = [
  'apiKey',
  'masterKey',
  'authorization',
  'password',
  'token',
  '*.apiKey',
  '*.masterKey',
  '*.authorization',
  '*.password',
  '*.token',
  'headers.authorization',
  'headers["x-meili-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'config.auth.masterKey',
  'config.nodes[*].apiKey',
  'nodes[*].apiKey',
  'sasl.password',
  'config.kafka.sasl.password',
  'config.redis.password',
  'config.kafka.tls.key',
  'config.redis.tls.key',
];

/**
 * Fields carrying user content (search text, filters, documents, hits). Allowed at debug and
 * trace for troubleshooting; replaced at info and above (F-O03, F-S04).
 */
export const CONTENT_KEYS = new Set([
  'q',
  'query',
  'filter',
  'body',
  'document',
  'documents',
  'hits',
  'payload',
]);

const INFO_LEVEL = 30;

// A URL's query string may carry search text (`GET /indexes/x/search?q=...`); fastify's own
// messages quote the request URL whole, e.g. a late reply after a request timed out.
const URL_QUERY = /(\/[\w\-.~%/:@!$&'()*+,;=]*)\?[^\s"'`<>]+/g;
export const QUERY_OMITTED = '?[omitted]';

/** Replaces every URL query string in a text with a placeholder. */
export function withoutUrlQueries(text: string): string {
  return text.replace(URL_QUERY, `$1${QUERY_OMITTED}`);
}

/** pino's error serializer, with URL query strings taken out of messages and stacks at every level. */
function serializeError(err: Error): Record<string, unknown> {
  const out = pino.stdSerializers.errWithCause(err) as Record<string, unknown>;
  for (const key of ['message', 'stack'])
    if (typeof out[key] === 'string') out[key] = withoutUrlQueries(out[key]);
  return out;
}

function stripContent(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    if (CONTENT_KEYS.has(key)) {
      out ??= { ...obj };
      out[key] = OMITTED;
    }
  }
  return out ?? obj;
}

export function createLogger(opts: CreateLoggerOptions): Logger {
  const options: PinoOptions = {
    level: opts.level,
    base: { service: opts.service },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError },
    hooks: {
      logMethod(args, method, level) {
        if (level < INFO_LEVEL) {
          method.apply(this, args);
          return;
        }
        const out = (args as unknown[]).map((arg, i) => {
          if (typeof arg === 'string') return withoutUrlQueries(arg);
          if (i === 0 && typeof arg === 'object' && arg !== null && !(arg instanceof Error))
            return stripContent(arg as Record<string, unknown>);
          return arg;
        });
        // Without a message pino writes the error's own as `msg`, past the serializer: give it the cleaned one.
        const [first] = out;
        const err = first instanceof Error ? first : (first as { err?: unknown } | undefined)?.err;
        if (out.length === 1 && err instanceof Error) out.push(withoutUrlQueries(err.message));
        method.apply(this, out as Parameters<typeof method>);
      },
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A child logger bound to part of the fixed vocabulary (index, shard, node, partition, offset). */
export function childLogger(logger: Logger, bindings: LogBindings): Logger {
  return logger.child(bindings);
}
