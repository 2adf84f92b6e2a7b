// CORS as Meilisearch sets it up (actix-cors: any origin, any method, any header, `send_wildcard`,
// max age 24 h). A preflight is answered before any route, auth check or 404, and every answer
// carries actix-cors's Vary header. Installed by an explicit call, ahead of other onRequest hooks.
import type { FastifyInstance } from 'fastify';

/** actix-cors `allow_any_method`: the nine standard methods (Meilisearch prints them in hash order). */
const ALLOWED_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
]);
const ALLOW_METHODS = [...ALLOWED_METHODS].join(', ');
export const CORS_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
const MAX_AGE_SECONDS = '86400';

/**
 * Any `OPTIONS` with `Access-Control-Request-Method` is a preflight, with or without `Origin`, as
 * in actix-cors; a plain `OPTIONS` goes on to the routes. A method outside the standard nine
 * gets actix-cors's bare 400.
 */
export function installCors(app: FastifyInstance): void {
  // A callback hook: an async one costs every request a promise and a microtask hop.
  app.addHook('onRequest', (request, reply, done) => {
    const requested =
      request.method === 'OPTIONS' ? request.headers['access-control-request-method'] : undefined;
    if (requested === undefined) {
      // Headers set now survive every later path: handler, error handler, 404.
      reply.header('vary', CORS_VARY);
      if (request.headers.origin !== undefined) reply.header('access-control-allow-origin', '*');
      done();
      return;
    }
    if (!ALLOWED_METHODS.has(requested)) {
      void reply.code(400).type('text/plain').send('Requested method is not allowed');
      return;
    }
    reply.headers({
      vary: CORS_VARY,
      'access-control-allow-origin': '*',
      'access-control-max-age': MAX_AGE_SECONDS,
      'access-control-allow-methods': ALLOW_METHODS,
    });
    // `allow_any_header` echoes the requested headers as sent.
    const headers = request.headers['access-control-request-headers'];
    if (headers !== undefined) reply.header('access-control-allow-headers', headers);
    void reply.code(200).send();
  });
}
