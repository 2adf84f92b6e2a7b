// The LZ4 codec kafkajs lacks (it ships GZIP only), registered in kafkajs' process-wide codec
// registry by installLz4Codec(), never on import: installKafkaExtensions() calls it from
// createKafkaClient, the one place Miroir builds clients.
import kafkajs from 'kafkajs';
import { compressFrameSync, decompressFrame } from 'lz4-napi';

/**
 * Kafka's LZ4 frame format (independent blocks, no content size) is lz4-napi's frame codec.
 * Compression runs on the event loop: kafkajs compresses a request's partitions one after the
 * other while holding the idempotent producer's only request slot, and a thread-pool hop per
 * partition (measured) cost more waiting than the ~0.1 ms per 64 KB that LZ4 takes inline.
 * Fetches decompress off it.
 */
const lz4Codec = () => ({
  compress: (encoder: { buffer: Buffer }) => Promise.resolve(compressFrameSync(encoder.buffer)),
  decompress: (buffer: Buffer) => decompressFrame(buffer),
});

/**
 * Registers the codec for producers and consumers alike, so every kafkajs client of the process
 * (ours, tests', benches') reads LZ4 batches once it ran. Idempotent: it stores the same factory.
 */
export function installLz4Codec(): void {
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.LZ4] = lz4Codec;
}
