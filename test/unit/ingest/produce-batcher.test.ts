// Group commit: sends issued while a request is in flight share the next request, each caller
// gets its own offsets, per-partition order is call order, limits cut requests, failures fail
// exactly the sends of the failed request.
import { describe, expect, it } from 'vitest';
import type { LogMessage } from '#core/log/log-message.ts';
import { createProduceBatcher, type Produce } from '../../../ingest/produce-batcher.ts';

const msg = (topic: string, partition: number, tag: string, bytes = 1): LogMessage => ({
  topic,
  partition,
  key: tag,
  value: Buffer.alloc(bytes),
  headers: {},
});

/** A fake broker: offsets per partition, requests recorded, each request released by hand. */
function fakeBroker() {
  const next = new Map<string, number>();
  const requests: (readonly LogMessage[])[] = [];
  const waiting: Array<{ release: () => void; fail: (err: Error) => void }> = [];
  const produce: Produce = (messages) => {
    requests.push(messages);
    return new Promise((resolve, reject) => {
      waiting.push({
        release: () =>
          resolve(
            messages.map((m) => {
              const key = `${m.topic}/${m.partition}`;
              const offset = next.get(key) ?? 0;
              next.set(key, offset + 1);
              return offset;
            }),
          ),
        fail: reject,
      });
    });
  };
  const settle = async (): Promise<void> => {
    // Let the batcher react to each answer before releasing the next request.
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    produce,
    requests,
    async releaseNext(): Promise<void> {
      waiting.shift()?.release();
      await settle();
    },
    async failNext(err: Error): Promise<void> {
      waiting.shift()?.fail(err);
      await settle();
    },
    inFlight: () => waiting.length,
  };
}

const limits = { maxRequestBytes: 1000, maxPartitionBytes: 100 };

describe('produce batcher', () => {
  it('sends at once when idle, then groups what arrived meanwhile into one request', async () => {
    const broker = fakeBroker();
    const batcher = createProduceBatcher(broker.produce, limits);
    const first = batcher.send([msg('a', 0, 'w1')]);
    expect(broker.requests).toHaveLength(1);
    const second = batcher.send([msg('a', 0, 'w2'), msg('a', 1, 'w2')]);
    const third = batcher.send([msg('a', 0, 'w3')]);
    // One request in flight per lane: the others wait for it.
    expect(broker.inFlight()).toBe(1);
    await broker.releaseNext();
    expect(await first).toEqual([0]);
    expect(broker.requests[1]?.map((m) => m.key)).toEqual(['w2', 'w2', 'w3']);
    await broker.releaseNext();
    expect(await second).toEqual([1, 0]);
    expect(await third).toEqual([2]);
  });

  it('keeps one lane per topic set: different topics do not wait for each other', async () => {
    const broker = fakeBroker();
    const batcher = createProduceBatcher(broker.produce, limits);
    const tasks = batcher.send([msg('tasks', 0, 't')]);
    const docs = batcher.send([msg('docs', 3, 'd')]);
    expect(broker.inFlight()).toBe(2);
    await broker.releaseNext();
    await broker.releaseNext();
    expect(await tasks).toEqual([0]);
    expect(await docs).toEqual([0]);
  });

  it('closes a request at the byte limits, keeping call order across requests', async () => {
    const broker = fakeBroker();
    const batcher = createProduceBatcher(broker.produce, limits);
    const head = batcher.send([msg('a', 0, 'head')]);
    const sends = [
      batcher.send([msg('a', 0, 'x1', 60)]),
      batcher.send([msg('a', 0, 'x2', 60)]), // partition 0 would reach 120 > 100: next request
      batcher.send([msg('a', 1, 'x3', 60)]),
      batcher.send([msg('a', 0, 'big', 500)]), // alone over the partition limit: its own request
    ];
    await broker.releaseNext();
    await head;
    expect(broker.requests[1]?.map((m) => m.key)).toEqual(['x1']);
    await broker.releaseNext();
    expect(broker.requests[2]?.map((m) => m.key)).toEqual(['x2', 'x3']);
    await broker.releaseNext();
    expect(broker.requests[3]?.map((m) => m.key)).toEqual(['big']);
    await broker.releaseNext();
    expect(await Promise.all(sends)).toEqual([[1], [2], [0], [3]]);
  });

  it('fails exactly the sends that shared a failed request, and goes on with the next ones', async () => {
    const broker = fakeBroker();
    const batcher = createProduceBatcher(broker.produce, limits);
    const head = batcher.send([msg('a', 0, 'head')]);
    const shared = [batcher.send([msg('a', 0, 's1')]), batcher.send([msg('a', 1, 's2')])];
    await broker.failNext(new Error('broker gone'));
    await expect(head).rejects.toThrow('broker gone');
    const later = batcher.send([msg('a', 0, 'later')]);
    await broker.failNext(new Error('not leader'));
    for (const s of shared) await expect(s).rejects.toThrow('not leader');
    await broker.releaseNext();
    expect(await later).toEqual([0]);
  });

  it('resolves an empty send at once without a request', async () => {
    const broker = fakeBroker();
    expect(await createProduceBatcher(broker.produce, limits).send([])).toEqual([]);
    expect(broker.requests).toHaveLength(0);
  });
});
