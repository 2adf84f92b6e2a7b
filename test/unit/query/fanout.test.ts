// The fan-out against scripted nodes: retries on another replica after a failure or a timeout,
// another group next, uncovered shards reported, a node's rejection failing the read, hedging.
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeApiError } from '#adapters/node-client.ts';
import { miroirError } from '#core/errors.ts';
import { initRouting, type PlacementTable } from '#core/routing/index.ts';
import { ReplicaSelector } from '../../../query/covering.ts';
import { fanOut, type NodeCall } from '../../../query/fanout.ts';
import { resolveIndex } from '../../../query/view.ts';
import { makeView } from './fixtures.ts';

beforeAll(async () => {
  await initRouting();
});

const all = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Behaviour = 'ok' | 'down' | 'slow' | 'reject';

function script(behaviours: Record<string, Behaviour>, slowMs = 200) {
  const calls: NodeCall[] = [];
  const call = async (target: NodeCall): Promise<string> => {
    calls.push(target);
    const behaviour = behaviours[target.node] ?? 'ok';
    if (behaviour === 'down')
      throw miroirError('remote_could_not_send_request', `${target.node} is down`, { retriable: true });
    if (behaviour === 'reject') {
      throw new NodeApiError(target.node, 400, {
        message: 'bad filter',
        code: 'invalid_search_filter',
        type: 'invalid_request',
        link: '',
      });
    }
    if (behaviour === 'slow') await sleep(slowMs);
    return target.node;
  };
  return { calls, call };
}

function tableOf(groups: Record<string, string[]>, rf: number, shards = 12): PlacementTable {
  return resolveIndex(makeView({ shards, rf, groups }), 'docs').table;
}

function coveredShards(answers: { shards: readonly number[] }[]): number[] {
  return answers.flatMap((answer) => [...answer.shards]).sort((a, b) => a - b);
}

const base = { perShardTimeoutMs: 1000, hedgeDelayMs: 0 };

describe('fanOut', () => {
  it('covers every shard once with healthy nodes', async () => {
    const table = tableOf({ g1: ['n1', 'n2', 'n3'] }, 2);
    const { call, calls } = script({});
    const result = await fanOut(table, ['g1'], all(12), call, { ...base, selector: new ReplicaSelector() });
    expect(coveredShards(result.answers)).toEqual(all(12));
    expect(result.uncovered).toEqual([]);
    expect(calls.length).toBe(new Set(calls.map((c) => c.node)).size);
  });

  it('retries a failed node on the other replica (RF=2): nothing is lost', async () => {
    const table = tableOf({ g1: ['n1', 'n2', 'n3'] }, 2);
    const { call } = script({ n1: 'down' });
    const result = await fanOut(table, ['g1'], all(12), call, { ...base, selector: new ReplicaSelector() });
    expect(coveredShards(result.answers)).toEqual(all(12));
    expect(result.answers.map((a) => a.node)).not.toContain('n1');
    expect(result.failures.map((f) => f.node)).toEqual(['n1']);
  });

  it('reports the shards of a lost node when no replica is left (RF=1)', async () => {
    const table = tableOf({ g1: ['n1', 'n2', 'n3'] }, 1);
    const owned = all(12).filter((s) => table.groups[0]?.owners[s]?.includes('n3'));
    const { call } = script({ n3: 'down' });
    const result = await fanOut(table, ['g1'], all(12), call, { ...base, selector: new ReplicaSelector() });
    expect(result.uncovered).toEqual(owned);
    expect(coveredShards(result.answers)).toEqual(all(12).filter((s) => !owned.includes(s)));
  });

  it('moves to another replica group before giving up', async () => {
    const table = tableOf({ g1: ['a1', 'a2'], g2: ['b1', 'b2'] }, 1);
    const { call } = script({ a2: 'down' });
    const result = await fanOut(table, ['g1', 'g2'], all(12), call, {
      ...base,
      selector: new ReplicaSelector(),
    });
    expect(result.uncovered).toEqual([]);
    expect(coveredShards(result.answers)).toEqual(all(12));
  });

  it('treats a node past its deadline as failed and retries its shards', async () => {
    const table = tableOf({ g1: ['n1', 'n2'] }, 2, 4);
    const selector = new ReplicaSelector();
    const first = selector.assign(table, ['g1'], all(4)).nodes[0]?.node as string;
    const { call } = script({ [first]: 'slow' }, 300);
    const started = performance.now();
    const result = await fanOut(table, ['g1'], all(4), call, { ...base, perShardTimeoutMs: 50, selector });
    expect(performance.now() - started).toBeLessThan(250);
    expect(coveredShards(result.answers)).toEqual(all(4));
    expect(result.failures[0]?.error).toMatchObject({ code: 'remote_timeout' });
  });

  it('fails the whole read when a node rejects the request itself', async () => {
    const table = tableOf({ g1: ['n1', 'n2', 'n3'] }, 2);
    const { call } = script({ n2: 'reject' });
    await expect(
      fanOut(table, ['g1'], all(12), call, { ...base, selector: new ReplicaSelector() }),
    ).rejects.toMatchObject({
      code: 'invalid_search_filter',
    });
  });

  it('hedges a slow node on another replica and takes the first answer', async () => {
    const table = tableOf({ g1: ['n1', 'n2'] }, 2, 4);
    const selector = new ReplicaSelector();
    const first = selector.assign(table, ['g1'], all(4)).nodes[0]?.node as string;
    const { call } = script({ [first]: 'slow' }, 400);
    const started = performance.now();
    const result = await fanOut(table, ['g1'], all(4), call, { ...base, hedgeDelayMs: 20, selector });
    expect(performance.now() - started).toBeLessThan(300);
    expect(result.hedges).toBe(1);
    expect(coveredShards(result.answers)).toEqual(all(4));
    expect(result.answers.every((a) => a.node !== first)).toBe(true);
  });

  it('cancels the losing side of a hedge through its signal', async () => {
    const table = tableOf({ g1: ['n1', 'n2'] }, 2, 4);
    const selector = new ReplicaSelector();
    const first = selector.assign(table, ['g1'], all(4)).nodes[0]?.node as string;
    const signals = new Map<string, AbortSignal | undefined>();
    const call = (target: NodeCall, signal: AbortSignal | undefined): Promise<string> => {
      signals.set(target.node, signal);
      if (target.node !== first) return Promise.resolve(target.node);
      // The slow node answers only when cancelled (as a node client does: with the signal's reason).
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
      );
    };
    const result = await fanOut(table, ['g1'], all(4), call, { ...base, hedgeDelayMs: 20, selector });
    expect(result.answers.every((a) => a.node !== first)).toBe(true);
    expect(signals.get(first)?.aborted).toBe(true);
    expect((signals.get(first)?.reason as Error).name).toBe('HedgeLost');
    // Cancelling the loser is not a failure of that node: it stays healthy for the next read.
    await sleep(0);
    expect(selector.load(first).healthy).toBe(true);
    expect(result.failures).toEqual([]);
  });

  it('gives no signal to requests that cannot be hedged', async () => {
    const table = tableOf({ g1: ['n1', 'n2', 'n3'] }, 1, 6);
    const seen: (AbortSignal | undefined)[] = [];
    const call = (target: NodeCall, signal: AbortSignal | undefined): Promise<string> => {
      seen.push(signal);
      return Promise.resolve(target.node);
    };
    await fanOut(table, ['g1'], all(6), call, { ...base, selector: new ReplicaSelector() });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((signal) => signal === undefined)).toBe(true);
  });

  it('does not hedge when no other replica could cover the shards', async () => {
    const table = tableOf({ g1: ['n1', 'n2'] }, 1, 4);
    const { call } = script({ n1: 'slow', n2: 'slow' }, 60);
    const result = await fanOut(table, ['g1'], all(4), call, {
      ...base,
      hedgeDelayMs: 10,
      selector: new ReplicaSelector(),
    });
    expect(result.hedges).toBe(0);
    expect(coveredShards(result.answers)).toEqual(all(4));
  });
});
