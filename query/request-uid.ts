// Meilisearch answers every search with a `requestUid` (a UUIDv7); the query role draws one per
// client request, since the merge is pure and the nodes' own uids describe their shard requests.
import { randomFillSync } from 'node:crypto';

// Random bytes are drawn 4 KiB at a time: one call to the CSPRNG serves 256 uids.
const POOL_UIDS = 256;
const pool = Buffer.alloc(16 * POOL_UIDS);
let next = POOL_UIDS;

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, random rest. */
export function uuidv7(now: number = Date.now()): string {
  if (next === POOL_UIDS) {
    randomFillSync(pool);
    next = 0;
  }
  const at = 16 * next++;
  const bytes = pool.subarray(at, at + 16);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[bytes[i] as number] as string;
  }
  return out;
}
