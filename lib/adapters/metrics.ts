// Prometheus metrics: one prom-client Registry per process (never the global one, so tests and
// several roles in one process cannot collide), default process metrics, and a helper that
// declares a service's whole metric set once, with the project-wide name prefix.
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';

export interface CreateMetricsOptions {
  /** Prefix of every metric name (config `metrics.prefix`, default `miroir_`). */
  prefix: string;
  /** Include Node.js process metrics. */
  defaultMetrics: boolean;
  /** Labels added to every series, e.g. `{ service: 'query' }`. */
  labels?: Record<string, string>;
}

export interface Metrics {
  registry: Registry;
  prefix: string;
}

export function createMetrics(opts: CreateMetricsOptions): Metrics {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: opts.prefix });
  return { registry, prefix: opts.prefix };
}

interface BaseSpec<L extends string> {
  help: string;
  labelNames?: readonly L[];
}
export interface CounterSpec<L extends string = string> extends BaseSpec<L> {
  kind: 'counter';
}
export interface GaugeSpec<L extends string = string> extends BaseSpec<L> {
  kind: 'gauge';
}
export interface HistogramSpec<L extends string = string> extends BaseSpec<L> {
  kind: 'histogram';
  buckets?: number[];
}
export interface SummarySpec<L extends string = string> extends BaseSpec<L> {
  kind: 'summary';
  percentiles?: number[];
}
export type MetricSpec = CounterSpec | GaugeSpec | HistogramSpec | SummarySpec;

type LabelsOf<S> = S extends { labelNames?: readonly (infer L)[] } ? (L extends string ? L : never) : never;
type MetricOf<S> = S extends { kind: 'counter' }
  ? Counter<LabelsOf<S>>
  : S extends { kind: 'gauge' }
    ? Gauge<LabelsOf<S>>
    : S extends { kind: 'histogram' }
      ? Histogram<LabelsOf<S>>
      : S extends { kind: 'summary' }
        ? Summary<LabelsOf<S>>
        : never;
export type MetricSet<T extends Record<string, MetricSpec>> = { [K in keyof T]: MetricOf<T[K]> };

/** Latency buckets in seconds, from 0.5 ms to 10 s: searches are fast, bulk writes are not. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * Declares a service's metrics in one place: keys are names without the prefix, in snake_case.
 * Declaring a name twice on one registry throws, which is what keeps names declared once.
 */
export function declareMetrics<const T extends Record<string, MetricSpec>>(
  metrics: Metrics,
  specs: T,
): MetricSet<T> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new Error(`metric name "${key}" must be snake_case`);
    const common = {
      name: metrics.prefix + key,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [metrics.registry],
    };
    switch (spec.kind) {
      case 'counter':
        out[key] = new Counter(common);
        break;
      case 'gauge':
        out[key] = new Gauge(common);
        break;
      case 'histogram':
        out[key] = new Histogram({ ...common, buckets: spec.buckets ?? LATENCY_BUCKETS });
        break;
      case 'summary':
        out[key] = new Summary({ ...common, ...(spec.percentiles ? { percentiles: spec.percentiles } : {}) });
        break;
    }
  }
  return out as MetricSet<T>;
}
