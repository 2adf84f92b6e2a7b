// Entry point of devnode's search engine: build an index engine.
import { MemoryIndexEngine, type EngineOptions } from './engine.ts';
import type { IndexSettings } from '#core/meili/settings.ts';
import type { IndexEngine } from './types.ts';

export { EngineError } from './types.ts';
export type { EngineOptions } from './engine.ts';

/** `options.indexUid` (optional) prefixes error messages with "Index `uid`: " as Meilisearch does. */
export function createIndexEngine(
  primaryKey: string | null,
  settings: IndexSettings,
  options: EngineOptions = {},
): IndexEngine {
  return new MemoryIndexEngine(primaryKey, settings, options);
}
