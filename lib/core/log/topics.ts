// Kafka topic names of a Miroir cluster, all under one configurable prefix (default `miroir.`).
// Index uids allow only [A-Za-z0-9_-], never `.`, so the dots of a topic name always separate
// its parts; a uid too long for Kafka's 249-character limit is shortened with a hash suffix
// set off by an extra `.`, which no plain uid can produce.
import { createHash } from 'node:crypto';
import { miroirError } from '../errors.ts';

export const DEFAULT_TOPIC_PREFIX = 'miroir.';

/** Kafka rejects longer topic names. */
export const KAFKA_MAX_TOPIC_NAME_LENGTH = 249;

const TOPIC_CHARS = /^[A-Za-z0-9._-]*$/;
const INDEX_UID = /^[A-Za-z0-9_-]+$/;
const HASH_CHARS = 16;

export type TopicKind = 'control' | 'tasks' | 'docs' | 'inbox' | 'dlq' | 'changelog';

export interface TopicNames {
  readonly prefix: string;
  /** Single partition: index lifecycle, settings versions, nodes, shards, aliases. */
  readonly control: string;
  /** Single partition: task events; a task's uid is the offset of its `TaskEnqueued` record. */
  readonly tasks: string;
  /** Document events of one index generation, one partition per shard. */
  docs(indexUid: string, generation: number): string;
  /** Raw JSON documents written by external producers, routed into `docs` by ingest. */
  inbox(indexUid: string): string;
  /** Records a node rejected after bisecting, with the error. */
  dlq(indexUid: string): string;
  /** Compacted full after-images of the index's documents, keyed by primary key. */
  changelog(indexUid: string): string;
  /**
   * A spare document topic created ahead of any index (`<prefix>docs._spare.<id>`); the next index
   * created takes it as its generation's topic. `_spare.` plus an id has no `.g<N>` suffix, so it
   * never equals the topic of an index.
   */
  spare(id: string): string;
}

/** What names the document topic of an index generation. */
export interface DocsTopicOwner {
  readonly uid: string;
  readonly logUid?: string | undefined;
  readonly generation: number;
  /** A spare topic the generation took at creation. */
  readonly docsTopic?: string | null | undefined;
}

/** The document topic of an index generation: the spare it took, else `docs.<logUid>.g<generation>`. */
export function docsTopicOf(names: Pick<TopicNames, 'docs'>, index: DocsTopicOwner): string {
  return index.docsTopic ?? names.docs(index.logUid ?? index.uid, index.generation);
}

function assertPrefix(prefix: string): void {
  if (!TOPIC_CHARS.test(prefix)) {
    throw miroirError(
      'miroir_invalid_config',
      `Topic prefix \`${prefix}\` is invalid: Kafka topic names allow only letters, digits, ".", "_" and "-".`,
    );
  }
  // Leave room for the longest fixed part plus a shortened uid.
  if (prefix.length > 120)
    throw miroirError('miroir_invalid_config', `Topic prefix \`${prefix}\` is longer than 120 characters.`);
}

function assertIndexUid(indexUid: string): void {
  if (!INDEX_UID.test(indexUid)) {
    throw miroirError(
      'invalid_index_uid',
      `\`${indexUid}\` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`,
    );
  }
}

function assertGeneration(generation: number): void {
  if (!Number.isSafeInteger(generation) || generation < 0)
    throw miroirError('internal', `Generation ${generation} is not a non-negative integer.`);
}

/**
 * `<prefix><kind>.<uid><suffix>`, or, when that exceeds Kafka's limit,
 * `<prefix><kind>.<uid head>.<16 hex of sha256(uid)><suffix>`.
 */
function indexTopic(prefix: string, kind: string, indexUid: string, suffix: string): string {
  assertIndexUid(indexUid);
  const plain = `${prefix}${kind}.${indexUid}${suffix}`;
  if (plain.length <= KAFKA_MAX_TOPIC_NAME_LENGTH) return plain;
  const hash = createHash('sha256').update(indexUid).digest('hex').slice(0, HASH_CHARS);
  const room =
    KAFKA_MAX_TOPIC_NAME_LENGTH - (prefix.length + kind.length + 1 + 1 + HASH_CHARS + suffix.length);
  return `${prefix}${kind}.${indexUid.slice(0, room)}.${hash}${suffix}`;
}

export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  assertPrefix(prefix);
  return {
    prefix,
    control: `${prefix}control`,
    tasks: `${prefix}tasks`,
    docs(indexUid, generation) {
      assertGeneration(generation);
      return indexTopic(prefix, 'docs', indexUid, `.g${generation}`);
    },
    inbox: (indexUid) => indexTopic(prefix, 'inbox', indexUid, ''),
    dlq: (indexUid) => indexTopic(prefix, 'dlq', indexUid, ''),
    changelog: (indexUid) => indexTopic(prefix, 'changelog', indexUid, ''),
    spare(id) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(id))
        throw miroirError('internal', `Spare topic id \`${id}\` is invalid.`);
      return `${prefix}docs._spare.${id}`;
    },
  };
}

export interface ParsedTopic {
  readonly kind: TopicKind;
  /** The index uid, or its head when the name was shortened (then `shortened` is true). */
  readonly indexUid?: string;
  readonly shortened?: boolean;
  readonly generation?: number;
}

/** Reads a topic name back (e.g. to route a consumed record); null when it is not a Miroir topic of this prefix. */
export function parseTopic(topic: string, prefix: string = DEFAULT_TOPIC_PREFIX): ParsedTopic | null {
  if (!topic.startsWith(prefix)) return null;
  const rest = topic.slice(prefix.length);
  if (rest === 'control' || rest === 'tasks') return { kind: rest };
  const parts = rest.split('.');
  const kind = parts[0];
  if (kind === 'docs') {
    const gen = /^g(0|[1-9][0-9]*)$/.exec(parts[parts.length - 1] ?? '');
    if (gen === null || (parts.length !== 3 && parts.length !== 4)) return null;
    const uid = parts[1] ?? '';
    if (!INDEX_UID.test(uid)) return null;
    return { kind, indexUid: uid, shortened: parts.length === 4, generation: Number(gen[1]) };
  }
  if (kind === 'inbox' || kind === 'dlq' || kind === 'changelog') {
    if (parts.length !== 2 && parts.length !== 3) return null;
    const uid = parts[1] ?? '';
    if (!INDEX_UID.test(uid)) return null;
    return { kind, indexUid: uid, shortened: parts.length === 3 };
  }
  return null;
}
