// Importing the Kafka adapter installs nothing in kafkajs (CONVENTIONS rule 14): its codec
// registry and request-queue prototype change only when installKafkaExtensions() runs, and
// running it again changes nothing more.
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';

interface RequestQueuePrototype {
  scheduleCheckPendingRequests: (...args: unknown[]) => void;
}

const requestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
  prototype: RequestQueuePrototype;
};

/** What the extensions may touch: every registered codec factory and the patched method. */
function kafkajsState() {
  return {
    codecs: { ...kafkajs.CompressionCodecs } as Record<number, unknown>,
    schedule: requestQueue.prototype.scheduleCheckPendingRequests,
  };
}

describe('kafka adapter extensions', () => {
  it('leaves kafkajs untouched on import and installs once, idempotently, on request', async () => {
    const before = kafkajsState();
    // Dynamic imports, so the snapshot above is taken before any adapter module is evaluated.
    const entry = await import('#adapters/kafka.ts');
    await Promise.all(
      [
        'types',
        'errors',
        'assignor',
        'producer',
        'consumer',
        'admin',
        'codec',
        'patch',
        'extensions',
        'client',
      ].map((name) => import(`#adapters/kafka/${name}.ts`)),
    );
    expect(kafkajsState()).toEqual(before);
    expect(kafkajsState().schedule).toBe(before.schedule);

    entry.installKafkaExtensions();
    const installed = kafkajsState();
    const lz4: number = kafkajs.CompressionTypes.LZ4;
    expect(installed.codecs[lz4]).not.toBe(before.codecs[lz4]);
    expect(installed.schedule).not.toBe(before.schedule);
    // Only LZ4 is registered: GZIP and the others stay kafkajs' own.
    for (const [type, factory] of Object.entries(before.codecs))
      if (Number(type) !== lz4) expect(installed.codecs[Number(type)]).toBe(factory);

    entry.installKafkaExtensions();
    const again = kafkajsState();
    expect(again.codecs).toEqual(installed.codecs);
    expect(again.codecs[lz4]).toBe(installed.codecs[lz4]);
    // Not wrapped a second time.
    expect(again.schedule).toBe(installed.schedule);
  });

  it('registers an LZ4 codec that round-trips a record batch payload', async () => {
    const { installKafkaExtensions } = await import('#adapters/kafka.ts');
    installKafkaExtensions();
    const factory = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.LZ4] as () => {
      compress(encoder: { buffer: Buffer }): Promise<Buffer>;
      decompress(buffer: Buffer): Promise<Buffer>;
    };
    const codec = factory();
    const payload = Buffer.from(
      JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, title: 'x' }))),
    );
    const compressed = await codec.compress({ buffer: payload });
    expect(compressed.length).toBeLessThan(payload.length);
    expect(await codec.decompress(compressed)).toEqual(payload);
  });

  it('arms the request-queue timer for queued requests only', async () => {
    const { installKafkaExtensions } = await import('#adapters/kafka.ts');
    installKafkaExtensions();
    const schedule = requestQueue.prototype.scheduleCheckPendingRequests;
    // The fields kafkajs' own scheduleCheckPendingRequests reads and writes.
    const queue = (pending: unknown[]) => ({
      pending,
      throttledUntil: 0,
      throttleCheckTimeoutId: null as unknown,
      checkPendingRequests: vi.fn(),
    });
    vi.useFakeTimers();
    try {
      const idle = queue([]);
      schedule.call(idle);
      expect(idle.throttleCheckTimeoutId).toBeNull();
      const busy = queue([{}]);
      schedule.call(busy);
      expect(busy.throttleCheckTimeoutId).not.toBeNull();
      vi.runAllTimers();
      expect(busy.checkPendingRequests).toHaveBeenCalledOnce();
      expect(idle.checkPendingRequests).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});
