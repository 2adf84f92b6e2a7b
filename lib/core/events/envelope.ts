// The envelope every Miroir event carries (SPEC A3): who it is, which schema wrote it, which
// index/generation and task it belongs to, and when it was appended. Fields sit at the top
// level of each event record so a decoded event is one flat, discriminated object.

/** Fields shared by every event. Nullability is narrowed per event family (document events always have an index). */
export interface EventEnvelope<TType extends string> {
  /** Unique id of this event; deterministic from the write that produced it, so duplicates are detectable. */
  eventId: string;
  /** The event name (past tense), equal to the Avro record name. */
  type: TType;
  /** Version of the Avro schema the event was written with (`schemas/<event>.v<N>.avsc`). */
  schemaVersion: number;
  /** Client-facing index uid, or null for cluster-wide events (nodes, aliases, index swaps). */
  indexUid: string | null;
  /** Shard-layout generation of the index, or null when the event is not about one generation. */
  generation: number | null;
  /** Milliseconds since the Unix epoch, set by the producer when it built the event. */
  timestamp: number;
  /**
   * Task this event belongs to, or null (operator events, and `TaskEnqueued` itself: a task's uid is
   * the offset of its `TaskEnqueued` record, unknown until the broker appended it).
   */
  taskUid: number | null;
}

/** Envelope of events that always concern one index generation and one task (document partition events). */
export interface IndexTaskEnvelope<TType extends string> extends EventEnvelope<TType> {
  indexUid: string;
  generation: number;
  taskUid: number;
}

/** A Meilisearch error object as it travels inside events (`task.error` once rendered). */
export interface EventError {
  message: string;
  code: string;
  type: string;
  link: string;
}
