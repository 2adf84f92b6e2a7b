// What Miroir adds to kafkajs process-wide (the LZ4 codec, the idle-timer fix), behind one
// explicit call. Nothing here runs on import (CONVENTIONS rule 14): createKafkaClient calls
// installKafkaExtensions() before building any client; code that builds kafkajs clients itself
// (benches, scripts) calls it too when it needs LZ4 without a Miroir client in the process.
import { installLz4Codec } from './codec.ts';
import { stopIdleRequestQueueTimers } from './patch.ts';

/** Installs the LZ4 codec and the request-queue fix; idempotent, so every client build may call it. */
export function installKafkaExtensions(): void {
  installLz4Codec();
  stopIdleRequestQueueTimers();
}
