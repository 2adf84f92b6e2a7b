// A fix to kafkajs 2.2.4's request queue (an idle 0 ms timer loop, kafkajs issues #1556/#1704),
// applied to its prototype by stopIdleRequestQueueTimers(), never on import: installKafkaExtensions()
// calls it from createKafkaClient, the one place Miroir builds clients.
import { createRequire } from 'node:module';

interface KafkaJsRequestQueue {
  pending: unknown[];
  scheduleCheckPendingRequests: (this: KafkaJsRequestQueue) => void;
}

// Marks the patched method. A registered symbol, so that two copies of this module (a test
// runner re-evaluating it against the same kafkajs) still see the mark and never wrap twice.
const PATCHED = Symbol.for('miroir.kafkajs.stopIdleRequestQueueTimers');

/**
 * kafkajs 2.2.4 re-arms a 0 ms timer after every response even when no request waits, so each
 * connection spins a timer loop for as long as it lives (kafkajs issues #1556, #1704; the fix
 * PR #1667 is unreleased): 7% of ingest's CPU under load, and idle CPU in every process. Only
 * queued requests need the timer (a throttle end or a free in-flight slot); an empty queue is
 * checked again by the next push or response anyway, so skipping it changes no behaviour.
 * The prototype is shared, so connections opened before the call are fixed too. Idempotent.
 */
export function stopIdleRequestQueueTimers(): void {
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
    prototype: KafkaJsRequestQueue;
  };
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  if (PATCHED in schedule) return;
  const scheduleWhenPending = function (this: KafkaJsRequestQueue) {
    if (this.pending.length > 0) schedule.call(this);
  };
  Object.defineProperty(scheduleWhenPending, PATCHED, { value: true });
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleWhenPending;
}
