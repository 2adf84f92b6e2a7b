// Lifecycle: closers run once, phase by phase, under a deadline; signals trigger shutdown.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLifecycle, handleSignals, type SignalSource } from '#adapters/lifecycle.ts';
import { createLogger } from '#adapters/logger.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('createLifecycle', () => {
  it('runs closers phase by phase whatever the registration order, and exits 0 when clean', async () => {
    const lc = createLifecycle({ logger, timeoutMs: 1000 });
    const order: string[] = [];
    const closer = (name: string) => async () => {
      await new Promise((r) => setTimeout(r, 1));
      order.push(name);
    };
    lc.register('close-clients', 'kafka', closer('kafka'));
    lc.register('commit', 'offsets', closer('offsets'));
    lc.register('drain', 'indexer', closer('indexer'));
    lc.register('stop-intake', 'http', closer('http'));
    lc.register('close-clients', 'redis', closer('redis'));
    const result = await lc.shutdown('test');
    expect(order).toEqual(['http', 'indexer', 'offsets', 'kafka', 'redis']);
    expect(result).toMatchObject({ exitCode: 0, reason: 'test', timedOut: false, failures: [] });
  });

  it('runs closers once even when shutdown is called again', async () => {
    const lc = createLifecycle({ logger, timeoutMs: 1000 });
    let calls = 0;
    lc.register('stop-intake', 'http', async () => {
      calls++;
    });
    const [a, b] = await Promise.all([lc.shutdown('first'), lc.shutdown('second')]);
    expect(a).toBe(b);
    expect(await lc.shutdown()).toBe(a);
    expect(await lc.done).toBe(a);
    expect(calls).toBe(1);
    expect(a.reason).toBe('first');
  });

  it('keeps closing after a failure and reports exit code 1', async () => {
    const lc = createLifecycle({ logger, timeoutMs: 1000 });
    let clientsClosed = false;
    lc.register('drain', 'consumer', async () => {
      throw new Error('rebalance in progress');
    });
    lc.register('close-clients', 'kafka', async () => {
      clientsClosed = true;
    });
    const result = await lc.shutdown();
    expect(clientsClosed).toBe(true);
    expect(result.exitCode).toBe(1);
    expect(result.failures).toEqual([{ name: 'consumer', error: 'rebalance in progress' }]);
  });

  it('gives up after the deadline and reports it', async () => {
    const lc = createLifecycle({ logger, timeoutMs: 30 });
    lc.register('drain', 'stuck', () => new Promise<void>(() => {}));
    const result = await lc.shutdown();
    expect(result).toMatchObject({ exitCode: 1, timedOut: true });
    expect(result.durationMs).toBeGreaterThanOrEqual(25);
  });

  it('refuses new closers once shutdown has begun', async () => {
    const lc = createLifecycle({ logger, timeoutMs: 100 });
    expect(lc.stopping).toBe(false);
    const p = lc.shutdown();
    expect(lc.stopping).toBe(true);
    expect(() => lc.register('drain', 'late', async () => {})).toThrow(/shutdown has begun/);
    await p;
  });
});

describe('handleSignals', () => {
  function fakeProcess(): SignalSource & EventEmitter {
    return new EventEmitter() as SignalSource & EventEmitter;
  }

  it('shuts down on SIGTERM and forces exit on a second signal', async () => {
    const proc = fakeProcess();
    const lc = createLifecycle({ logger, timeoutMs: 1000 });
    let release: () => void = () => {};
    lc.register('drain', 'slow', () => new Promise<void>((r) => (release = r)));
    const exits: number[] = [];
    const remove = handleSignals(lc, proc, (code) => exits.push(code));
    proc.emit('SIGTERM');
    expect(lc.stopping).toBe(true);
    proc.emit('SIGINT');
    expect(exits).toEqual([1]);
    release();
    expect((await lc.done).reason).toBe('SIGTERM');
    remove();
    expect(proc.listenerCount('SIGTERM') + proc.listenerCount('SIGINT')).toBe(0);
  });

  it('shuts down on SIGINT (Ctrl-C) with exit code 0 when clean', async () => {
    const proc = fakeProcess();
    const lc = createLifecycle({ logger, timeoutMs: 1000 });
    handleSignals(lc, proc, () => {
      throw new Error('must not force exit');
    });
    proc.emit('SIGINT');
    expect(await lc.done).toMatchObject({ exitCode: 0, reason: 'SIGINT' });
  });
});
