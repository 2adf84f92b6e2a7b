// The spare pool of ingest: keeps `target` spares announced, tops up after each take, hands a
// spare out once, waits for one being prepared rather than racing it, and keeps going after a
// failed preparation. The topology and the log are in-memory stand-ins folded by the real projection.
import { describe, expect, it } from 'vitest';
import type { ControlEvent } from '#core/events/control-events.ts';
import { topicNames } from '#core/log/topics.ts';
import type { TopicSpec } from '#core/log/topic-configs.ts';
import { createTopologyProjection, type TopologyState } from '#core/topology-projection.ts';
import { createLogger } from '#adapters/logger.ts';
import { createSpareTopics } from '../../../ingest/spare-topics.ts';

const projection = createTopologyProjection({ nodes: [], replicationFactor: 1 });
const topics = topicNames('miroir.');
const policy = { brokerReplicationFactor: 1 };

function harness(opts: { target: number; createDelayMs?: number; failFirst?: number }) {
  let state: TopologyState = projection.initialState;
  const listeners = new Set<() => void>();
  const created: string[] = [];
  let failures = opts.failFirst ?? 0;
  const topology = {
    state: () => state,
    onChange(cb: () => void) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    waitForOffset: async () => undefined,
  };
  const append = (event: ControlEvent): number => {
    state = projection.evolve(state, { offset: state.offset + 1, event });
    for (const cb of [...listeners]) cb();
    return state.offset;
  };
  const pool = createSpareTopics({
    writer: { appendControl: async (event) => append(event) },
    topology: topology as never,
    topics,
    policy,
    shards: 4,
    target: opts.target,
    ensureTopic: async (spec: TopicSpec) => {
      await new Promise((resolve) => setTimeout(resolve, opts.createDelayMs ?? 1));
      if (failures > 0) {
        failures -= 1;
        throw new Error('broker busy');
      }
      created.push(spec.topic);
      return true;
    },
    endOffsets: async () => new Map(),
    logger: createLogger({ level: 'silent' } as never),
    retryMs: 20,
  });
  const claim = (uid: string, spare: string | null): void => {
    append({
      eventId: `c-${uid}`,
      type: 'IndexCreated',
      schemaVersion: 2,
      indexUid: uid,
      generation: 0,
      timestamp: 1,
      taskUid: null,
      primaryKey: 'id',
      shards: 4,
      docsTopic: spare,
    });
  };
  const spares = (): string[] => Object.keys(state.spareTopics ?? {});
  return { pool, created, claim, spares };
}

const until = async (check: () => boolean, ms = 2000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

describe('spare document topics (ingest)', () => {
  it('given a target of 3, when started, then 3 spares of the index spec are announced, and a take is topped up', async () => {
    const h = harness({ target: 3 });
    h.pool.start();
    await until(() => h.spares().length === 3);
    expect(h.created).toHaveLength(3);
    const spare = await h.pool.take();
    expect(spare).not.toBeNull();
    h.claim('movies', spare);
    await until(() => h.spares().length === 3);
    expect(h.created).toHaveLength(4);
    expect(h.spares()).not.toContain(spare);
    h.pool.stop();
  });

  it('given one spare, when taken twice before any index claims it, then the second take does not get it', async () => {
    const h = harness({ target: 1, createDelayMs: 200 });
    h.pool.start();
    await until(() => h.spares().length === 1, 3000);
    const first = await h.pool.take();
    expect(first).toBe(h.spares()[0]);
    // Still listed (no index claimed it), but handed out: with nothing being prepared, the next take gets none.
    h.pool.stop();
    expect(await h.pool.take()).toBeNull();
  });

  it('given an empty pool with a spare being prepared, when taken, then the take waits for it instead of returning null', async () => {
    const h = harness({ target: 1, createDelayMs: 50 });
    h.pool.start();
    const spare = await h.pool.take();
    expect(spare).toBe(h.created[0]);
    h.pool.stop();
  });

  it('given a target of 0, then nothing is created and takes return null at once', async () => {
    const h = harness({ target: 0 });
    h.pool.start();
    expect(await h.pool.take()).toBeNull();
    expect(h.created).toHaveLength(0);
  });

  it('given failing topic creations, when the broker recovers, then the pool fills after a pause', async () => {
    const h = harness({ target: 2, failFirst: 2 });
    h.pool.start();
    await until(() => h.spares().length === 2);
    expect(h.created).toHaveLength(2);
    h.pool.stop();
  });
});
