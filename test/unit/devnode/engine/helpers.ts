// Shared builders for the engine unit tests: a search request with Meilisearch's defaults and an
// engine loaded with a small corpus.
import { defaultSettings, type IndexSettings } from '#core/meili/settings.ts';
import { createIndexEngine } from '#devnode/engine/index.ts';
import { defaultSearchRequest } from '#devnode/engine/search.ts';
import type { Document, IndexEngine, SearchRequest } from '#devnode/engine/types.ts';

export function searchRequest(over: Partial<SearchRequest> = {}): SearchRequest {
  return defaultSearchRequest(over);
}

export function engineWith(docs: Document[], settings: Partial<IndexSettings> = {}): IndexEngine {
  const engine = createIndexEngine('id', { ...defaultSettings(), ...settings });
  engine.addDocuments(docs, 'replace');
  return engine;
}

export function ids(engine: IndexEngine, over: Partial<SearchRequest>): unknown[] {
  return engine.search(searchRequest(over)).hits.map((h) => h.id);
}
