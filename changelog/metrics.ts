// The changelog role's metric set, declared once per process registry.
import { declareMetrics, type Metrics, type MetricSet } from '#adapters/metrics.ts';

const SPECS = {
  changelog_changes_total: {
    kind: 'counter',
    help: 'Change records (envelopes and tombstones) committed to changelog topics.',
    labelNames: ['index'],
  },
  changelog_dead_letters_total: {
    kind: 'counter',
    help: 'Document records the changelog role could not read (sent to the dead-letter topic).',
    labelNames: ['index'],
  },
  changelog_batch_seconds: {
    kind: 'histogram',
    help: 'Time to fold one consumed batch and commit its transaction.',
    labelNames: ['index'],
  },
  changelog_lag: {
    kind: 'gauge',
    help: 'Document records of an index generation not yet in its changelog (summed over shards).',
    labelNames: ['index'],
  },
} as const;

type ChangelogMetricSet = MetricSet<typeof SPECS>;

/** What the folders report; one call per committed batch. */
export interface ChangelogMetrics {
  observeBatch(index: string, changes: number, startedNs: bigint, lag: number): void;
  deadLetter(index: string): void;
}

export function declareChangelogMetrics(metrics: Metrics): ChangelogMetrics {
  const set: ChangelogMetricSet = declareMetrics(metrics, SPECS);
  return {
    observeBatch(index, changes, startedNs, lag) {
      set.changelog_changes_total.inc({ index }, changes);
      set.changelog_batch_seconds.observe({ index }, Number(process.hrtime.bigint() - startedNs) / 1e9);
      set.changelog_lag.set({ index }, lag);
    },
    deadLetter: (index) => set.changelog_dead_letters_total.inc({ index }),
  };
}
