// The indexer role's metric set, declared once per process registry.
import { declareMetrics, type Metrics, type MetricSet } from '#adapters/metrics.ts';

const SPECS = {
  indexer_documents_applied_total: {
    kind: 'counter',
    help: 'Documents written to nodes (upserts and partial updates).',
    labelNames: ['node', 'index'],
  },
  indexer_node_requests_total: {
    kind: 'counter',
    help: 'Write requests sent to nodes, by kind and outcome.',
    labelNames: ['node', 'kind', 'outcome'],
  },
  indexer_rejected_total: {
    kind: 'counter',
    help: 'Documents, ids or barriers a node rejected (sent to the dead-letter topic).',
    labelNames: ['node', 'index'],
  },
  indexer_apply_seconds: {
    kind: 'histogram',
    help: 'Time to apply one planned node request, retries and bisect included.',
    labelNames: ['node', 'kind'],
  },
  indexer_lag: {
    kind: 'gauge',
    help: 'Events of a partition not yet applied by a node (high watermark minus next offset).',
    labelNames: ['node', 'index', 'partition'],
  },
} as const;

export type IndexerMetrics = MetricSet<typeof SPECS>;

export function declareIndexerMetrics(metrics: Metrics): IndexerMetrics {
  return declareMetrics(metrics, SPECS);
}
