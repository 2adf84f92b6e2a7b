// The ingest role's metric set, declared once per process registry.
import { declareMetrics, LATENCY_BUCKETS, type Metrics, type MetricSet } from '#adapters/metrics.ts';

const SPECS = {
  ingest_tasks_appended_total: {
    kind: 'counter',
    help: 'Tasks appended to the log, by task type and source (http or inbox).',
    labelNames: ['type', 'source'],
  },
  ingest_documents_appended_total: {
    kind: 'counter',
    help: 'Documents or ids appended to document partitions, by source.',
    labelNames: ['source'],
  },
  ingest_append_seconds: {
    kind: 'histogram',
    help: 'Time from planned write to the broker acknowledging every record of it.',
    labelNames: ['type'],
    buckets: LATENCY_BUCKETS,
  },
  ingest_inbox_rejected_total: {
    kind: 'counter',
    help: 'Inbox records sent to the dead-letter topic, by error code.',
    labelNames: ['code'],
  },
} as const;

export type IngestMetrics = MetricSet<typeof SPECS>;

const perRegistry = new WeakMap<Metrics['registry'], IngestMetrics>();

/** Several ingest roles can share one registry (tests, `miroir dev`): declare the set once per registry. */
export function ingestMetrics(metrics: Metrics): IngestMetrics {
  let set = perRegistry.get(metrics.registry);
  if (set === undefined) {
    set = declareMetrics(metrics, SPECS);
    perRegistry.set(metrics.registry, set);
  }
  return set;
}
