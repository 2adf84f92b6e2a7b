// Metrics: a registry per process, default metrics on demand, metric sets declared once.
import { describe, expect, it } from 'vitest';
import { createMetrics, declareMetrics } from '#adapters/metrics.ts';

describe('createMetrics', () => {
  it('gives each call its own registry, with default process metrics under the prefix', async () => {
    const a = createMetrics({ prefix: 'miroir_', defaultMetrics: true });
    const b = createMetrics({ prefix: 'miroir_', defaultMetrics: false });
    expect(a.registry).not.toBe(b.registry);
    expect(await a.registry.metrics()).toContain('miroir_process_cpu_user_seconds_total');
    expect(await b.registry.metrics()).toBe('\n');
  });

  it('adds default labels to every series', async () => {
    const m = createMetrics({ prefix: 't_', defaultMetrics: false, labels: { service: 'query' } });
    const set = declareMetrics(m, { hits_total: { kind: 'counter', help: 'hits' } });
    set.hits_total.inc();
    expect(await m.registry.metrics()).toContain('t_hits_total{service="query"} 1');
  });
});

describe('declareMetrics', () => {
  it('declares typed counters, gauges, histograms and summaries with the prefix', async () => {
    const m = createMetrics({ prefix: 'svc_', defaultMetrics: false });
    const set = declareMetrics(m, {
      shard_requests_total: { kind: 'counter', help: 'Shard requests.', labelNames: ['shard', 'outcome'] },
      lag_records: { kind: 'gauge', help: 'Lag.', labelNames: ['partition'] },
      merge_seconds: { kind: 'histogram', help: 'Merge time.', buckets: [0.001, 0.01] },
      batch_bytes: { kind: 'summary', help: 'Batch size.' },
    });
    set.shard_requests_total.inc({ shard: '1', outcome: 'ok' });
    set.lag_records.set({ partition: '0' }, 12);
    set.merge_seconds.observe(0.005);
    set.batch_bytes.observe(1000);
    const text = await m.registry.metrics();
    expect(text).toContain('svc_shard_requests_total{shard="1",outcome="ok"} 1');
    expect(text).toContain('svc_lag_records{partition="0"} 12');
    expect(text).toContain('svc_merge_seconds_bucket{le="0.01"} 1');
    expect(text).toContain('svc_batch_bytes_count 1');
  });

  it('refuses to declare a name twice on one registry', () => {
    const m = createMetrics({ prefix: 'x_', defaultMetrics: false });
    declareMetrics(m, { a_total: { kind: 'counter', help: 'a' } });
    expect(() => declareMetrics(m, { a_total: { kind: 'counter', help: 'a' } })).toThrow(
      /already been registered/,
    );
  });

  it('refuses names that are not snake_case', () => {
    const m = createMetrics({ prefix: 'x_', defaultMetrics: false });
    expect(() => declareMetrics(m, { BadName: { kind: 'gauge', help: 'b' } })).toThrow(/snake_case/);
  });
});
