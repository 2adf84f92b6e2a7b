// How kafkajs failures and bad arguments leave the adapter: always as MiroirError, with the
// retriable flag decided here once (from kafkajs' verdict and error names, never message text
// except to recognise "already exists"), so callers' retry loops read one flag.
import { isMiroirError, miroirError, type MiroirError } from '#core/errors.ts';

interface KafkaJsErrorLike {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
  cause?: unknown;
}

// kafkajs marks these non-retriable only because its own retry loop already gave up or timed
// out; for our callers the log is just unavailable for now.
const transientNames = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
]);

export function isTransient(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as KafkaJsErrorLike;
  if (e.name && transientNames.has(e.name)) return true;
  // Retries exhausted: judge by what kept failing.
  if (e.name === 'KafkaJSNumberOfRetriesExceeded')
    return isTransient(e.cause, depth + 1) || (e.cause as KafkaJsErrorLike | undefined)?.retriable === true;
  return e.retriable === true;
}

export function rootMessage(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let i = 0; i < 5 && current; i++) {
    const e = (
      typeof current === 'object'
        ? current
        : { message: typeof current === 'string' ? current : 'unknown error' }
    ) as KafkaJsErrorLike;
    const text = e.type ? `${e.message ?? ''} (${e.type})` : (e.message ?? '');
    if (!parts.includes(text)) parts.push(text);
    current = e.cause;
  }
  return parts.join(': ');
}

/** Wraps any failure of a Kafka call as a MiroirError: `miroir_log_unavailable` (retriable) or `miroir_kafka_error`. */
export function toKafkaError(err: unknown, action: string): MiroirError {
  if (isMiroirError(err)) return err;
  const retriable = isTransient(err);
  // The broker refused our credentials: say which keys to check, the broker's answer says why.
  const hint =
    (err as KafkaJsErrorLike | null)?.name === 'KafkaJSSASLAuthenticationError'
      ? ' Check kafka.sasl.mechanism, kafka.sasl.username and kafka.sasl.password.'
      : '';
  return miroirError(
    retriable ? 'miroir_log_unavailable' : 'miroir_kafka_error',
    `Kafka ${action} failed: ${rootMessage(err)}${hint}`,
    {
      retriable,
      cause: err,
    },
  );
}

export async function guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKafkaError(err, action);
  }
}

export function invalid(message: string): MiroirError {
  return miroirError('miroir_kafka_error', message, { retriable: false });
}

export function checkTopic(topic: unknown): asserts topic is string {
  // Kafka's own rule (Topic.validate): 1..249 chars of [a-zA-Z0-9._-], not '.' or '..'.
  if (
    typeof topic !== 'string' ||
    !/^[a-zA-Z0-9._-]{1,249}$/.test(topic) ||
    topic === '.' ||
    topic === '..'
  ) {
    throw invalid(
      `Invalid Kafka topic name ${JSON.stringify(topic)}: expected 1 to 249 characters among [a-zA-Z0-9._-].`,
    );
  }
}

export function checkPartition(partition: unknown, what: string): asserts partition is number {
  if (
    typeof partition !== 'number' ||
    !Number.isInteger(partition) ||
    partition < 0 ||
    partition > 0x7fffffff
  ) {
    throw invalid(`Invalid ${what} ${JSON.stringify(partition)}: expected a non-negative integer.`);
  }
}
