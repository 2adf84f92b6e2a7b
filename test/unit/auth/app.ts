// Every role's routes on one app with inert services, the auth hook over an in-memory key
// projection, and the routes fastify registered (collected with onRoute): what the auth tests drive.
import type { FastifyInstance } from 'fastify';
import { installHttpAuth } from '#adapters/http-auth.ts';
import { createHttpApp } from '#adapters/http-server.ts';
import { createLogger } from '#adapters/logger.ts';
import { createMetrics } from '#adapters/metrics.ts';
import { createKeyProjection, type KeysState } from '#core/auth/keys.ts';
import type { KeyEvent } from '#core/events/key-events.ts';
import { registerWriteRoutes, type WriteRoutesDeps } from '../../../ingest/routes/write-routes.ts';
import { registerExperimentalFeatureRoutes } from '../../../projections/experimental-features.ts';
import { registerKeyRoutes } from '../../../projections/key-routes.ts';
import { registerReadRoutes, type ReadRoutesDeps } from '../../../projections/read-routes.ts';
import { registerQueryRoutes } from '../../../query/routes.ts';
import type { QueryService } from '../../../query/service.ts';
import { captureLogs } from '../adapters/log-capture.ts';

/** An object whose every method answers `value` (deep enough for handlers to run or fail on their own). */
function inert<T>(value: unknown): T {
  return new Proxy({}, { get: () => () => value }) as T;
}

export interface KeyStore {
  state(): KeysState;
  append(events: readonly KeyEvent[]): Promise<number[]>;
  waitForOffset(offset: number): Promise<void>;
}

export function memoryKeyStore(): KeyStore {
  const projection = createKeyProjection();
  let state = projection.initialState;
  let offset = -1;
  return {
    state: () => state,
    async append(events) {
      return events.map((event) => {
        offset += 1;
        state = projection.evolve(state, { offset, event });
        return offset;
      });
    },
    async waitForOffset() {},
  };
}

export interface AuthApp {
  app: FastifyInstance;
  keys: KeyStore;
  /** `METHOD path` of every route the app registered (HEAD routes fastify adds for GETs left out). */
  registered: Set<string>;
}

export interface AuthAppOptions {
  masterKey: string | null;
  keys?: KeyStore;
  now?: () => number;
  /** Registers extra routes before the hook is installed (a route the table does not know). */
  extra?: (app: FastifyInstance) => void;
  /** The query service; inert by default. */
  service?: QueryService;
  /** Read-model dependencies of the projections routes; inert by default. */
  read?: Partial<ReadRoutesDeps>;
}

export function buildAuthApp(opts: AuthAppOptions): AuthApp {
  const logs = captureLogs();
  const app = createHttpApp({
    logger: createLogger({ service: 'test', level: 'silent', destination: logs.stream }),
    metrics: createMetrics({ prefix: 'miroir_', defaultMetrics: false }),
    bodyLimit: 1_000_000,
  });
  const registered = new Set<string>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) if (method !== 'HEAD') registered.add(`${method} ${route.url}`);
  });
  // /health and /metrics were registered before the hook above.
  registered.add('GET /health');
  registered.add('GET /metrics');
  const keys = opts.keys ?? memoryKeyStore();
  const task = {
    taskUid: 1,
    enqueuedAt: 0,
    settingsVersion: null,
    enqueued: { type: 'x', indexUid: null, enqueuedAt: 0, customMetadata: null },
  };
  registerQueryRoutes(app, opts.service ?? inert<QueryService>({ body: {}, headers: {} }));
  registerWriteRoutes(app, {
    writes: inert<WriteRoutesDeps['writes']>(Promise.resolve(task)),
    lifecycle: inert<WriteRoutesDeps['lifecycle']>(Promise.resolve(task)),
    taskAdmin: inert<NonNullable<WriteRoutesDeps['taskAdmin']>>(Promise.resolve(task)),
  });
  registerReadRoutes(app, {
    topology: inert<ReadRoutesDeps['topology']>({ indexes: {}, offset: 0 }),
    taskStore: inert<ReadRoutesDeps['taskStore']>(Promise.resolve(new Map())),
    tasks: inert<ReadRoutesDeps['tasks']>(Promise.resolve()),
    admin: inert<ReadRoutesDeps['admin']>(Promise.resolve(new Map())),
    topics: inert<ReadRoutesDeps['topics']>('t'),
    ...opts.read,
  });
  registerExperimentalFeatureRoutes(app);
  registerKeyRoutes(app, { keys, masterKey: opts.masterKey, ...(opts.now ? { now: opts.now } : {}) });
  opts.extra?.(app);
  installHttpAuth(app, {
    masterKey: opts.masterKey,
    keys: () => keys.state(),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { app, keys, registered };
}
