// The query role's metric set, declared once per process registry.
import { declareMetrics, type Metrics, type MetricSet } from '#adapters/metrics.ts';

const SPECS = {
  query_node_requests_total: {
    kind: 'counter',
    help: 'Read requests sent to nodes, by node and outcome (ok, failed, rejected).',
    labelNames: ['node', 'outcome'],
  },
  query_degraded_responses_total: {
    kind: 'counter',
    help: 'Answers that could not cover every shard, by operation and how they ended (partial, error).',
    labelNames: ['operation', 'outcome'],
  },
  query_hedges_total: { kind: 'counter', help: 'Hedged node requests sent after the hedge delay.' },
  query_fanout_seconds: {
    kind: 'histogram',
    help: 'Time from the first node request to the last answer of one fan-out, by operation.',
    labelNames: ['operation'],
  },
  query_wait_for_task_timeouts_total: {
    kind: 'counter',
    help: 'Reads that answered before the task named by X-Miroir-Wait-For-Task was visible.',
  },
} as const;

export type QueryMetrics = MetricSet<typeof SPECS>;

const declared = new WeakMap<Metrics['registry'], QueryMetrics>();

/** The set on this registry, declared on first use (several query services may share a registry). */
export function queryMetrics(metrics: Metrics): QueryMetrics {
  let set = declared.get(metrics.registry);
  if (set === undefined) {
    set = declareMetrics(metrics, SPECS);
    declared.set(metrics.registry, set);
  }
  return set;
}
