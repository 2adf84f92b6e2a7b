// `GET` / `PATCH /experimental-features` with Meilisearch 1.50's shape. Miroir offers none of
// Meilisearch's experimental features across its nodes, so every one reads `false`; a PATCH that
// keeps them off answers the state, one that turns a feature on is refused with the feature named.
import type { FastifyInstance } from 'fastify';
import { miroirError } from '#core/errors.ts';
import { expectObject, typeError } from '#core/meili/deserr.ts';

/** Meilisearch 1.50's features, in its order (`GET /experimental-features`). */
export const EXPERIMENTAL_FEATURES = [
  'metrics',
  'logsRoute',
  'editDocumentsByFunction',
  'containsFilter',
  'dynamicSearchRules',
  'network',
  'getTaskDocumentsRoute',
  'taskQueueCompactionRoute',
  'compositeEmbedders',
  'chatCompletions',
  'multimodal',
  'foreignKeys',
  'disableDocumentsFetchQueue',
  'legacySearch',
  'renderRoute',
] as const;

export function experimentalFeaturesView(): Record<string, boolean> {
  return Object.fromEntries(EXPERIMENTAL_FEATURES.map((f) => [f, false]));
}

/** Validates a PATCH body; returns the features it asks to turn on. */
export function featuresTurnedOn(body: unknown): string[] {
  const obj = expectObject(body, EXPERIMENTAL_FEATURES);
  const on: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (value === null) continue;
    if (typeof value !== 'boolean') throw typeError('bad_request', `.${key}`, ['boolean'], value);
    if (value) on.push(key);
  }
  return on;
}

export function registerExperimentalFeatureRoutes(app: FastifyInstance): void {
  app.get('/experimental-features', async () => experimentalFeaturesView());
  app.patch('/experimental-features', async (req) => {
    const on = featuresTurnedOn(req.body);
    if (on.length > 0)
      throw miroirError(
        'feature_not_enabled',
        `Miroir does not offer the experimental feature \`${on[0]}\` across its nodes; it stays disabled.`,
      );
    return experimentalFeaturesView();
  });
}
