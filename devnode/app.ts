// Builds devnode's fastify app (never listens): raw body capture so each route parses JSON,
// NDJSON or CSV itself, master-key auth, Meilisearch-shaped errors, and every route group.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { installCorsAndCompression } from '#adapters/http-server.ts';
import { errorBody, isMiroirError, miroirError } from '#core/errors.ts';
import { authorize, defaultApiKeys } from '#devnode/auth.ts';
import type { DevnodeContext } from '#devnode/routes/context.ts';
import { registerDocumentRoutes } from '#devnode/routes/documents.ts';
import { registerIndexRoutes } from '#devnode/routes/indexes.ts';
import { registerMultiSearchRoute } from '#devnode/routes/multi-search.ts';
import { registerSearchRoutes } from '#devnode/routes/search.ts';
import { registerSettingsRoutes } from '#devnode/routes/settings.ts';
import { registerSystemRoutes } from '#devnode/routes/system.ts';
import { registerTaskRoutes } from '#devnode/routes/tasks.ts';
import { nowRfc3339 } from '#devnode/tasks/clock.ts';

/** Meilisearch's default `--http-payload-size-limit`: 100 MB (decimal). */
export const PAYLOAD_LIMIT_BYTES = 100_000_000;

export function buildDevnodeApp(
  ctx: DevnodeContext,
  opts: { payloadLimitBytes?: number } = {},
): FastifyInstance {
  const limit = opts.payloadLimitBytes ?? PAYLOAD_LIMIT_BYTES;
  const app = Fastify({ logger: false, bodyLimit: limit, routerOptions: { maxParamLength: 1024 } });
  // CORS and compression exactly as Meilisearch (and every Miroir role) answers them; preflights come before auth.
  installCorsAndCompression(app);
  // Routes see the raw bytes: content-type checks and their error messages are Meilisearch's, not fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const keys = ctx.masterKey === null ? [] : defaultApiKeys(ctx.masterKey, nowRfc3339());
  // A callback hook: an async one costs every request a promise and a microtask turn.
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      authorize(req.url, req.headers.authorization, ctx.masterKey, keys);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    let error: unknown = err;
    if (!isMiroirError(err)) {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const size = limit % 1024 === 0 ? `${limit / 1048576} MiB` : `${limit / 1_000_000} MB`;
        error = miroirError(
          'payload_too_large',
          `The provided payload reached the size limit. The maximum accepted payload size is ${size}.`,
        );
      } else if (typeof err.statusCode === 'number' && err.statusCode < 500) {
        error = miroirError('bad_request', err.message);
      }
    }
    const status = isMiroirError(error) ? error.status : 500;
    if (status === 503) void reply.header('retry-after', '10');
    void reply.code(status).send(errorBody(error));
  });
  // Meilisearch (actix) answers unknown routes with an empty 404.
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send('');
  });

  registerSystemRoutes(app, ctx, keys);
  registerIndexRoutes(app, ctx);
  registerDocumentRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerMultiSearchRoute(app, ctx);
  registerSettingsRoutes(app, ctx);
  registerTaskRoutes(app, ctx);
  return app;
}
