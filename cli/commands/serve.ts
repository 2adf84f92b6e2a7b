// `miroir serve --config FILE [--roles ingest,query,indexer,projections] [--port N]`: loads the
// configuration (file + MIROIR_* environment + flags), builds logger, metrics and lifecycle,
// starts each selected role on one shared HTTP app, listens, and shuts down cleanly on a signal,
// including a signal that arrives while the roles are still starting.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { hasHttpAuth, installHttpAuth, noKeys } from '#adapters/http-auth.ts';
import { createHttpApp } from '#adapters/http-server.ts';
import {
  createLifecycle,
  handleSignals,
  withStartupSignals,
  type Lifecycle,
  type ShutdownResult,
} from '#adapters/lifecycle.ts';
import { createLogger, type Logger } from '#adapters/logger.ts';
import { createMetrics } from '#adapters/metrics.ts';
import { ROLE_START_ORDER, type RoleHandle, type RoleModule } from '#adapters/role.ts';
import {
  InvalidConfigError,
  loadConfig,
  type Config,
  type ConfigInput,
  type Role,
} from '#core/config/index.ts';
import { authStartupWarnings } from '#core/auth/startup.ts';
import { loadRoleModule } from '../role-loader.ts';
import { parseCommandArgs } from '../args.ts';

const USAGE = 'usage: miroir serve [--config FILE] [--roles ingest,query,indexer,projections] [--port N]\n';

export interface RunningServer {
  app: FastifyInstance;
  lifecycle: Lifecycle;
  logger: Logger;
  /** Base URL clients use, e.g. http://127.0.0.1:7700. */
  url: string;
  /** Roles whose module started. */
  started: Role[];
}

export interface StartServerOptions {
  /** Finds a role's module; the default looks in the role's folder. Tests pass their own. */
  loadRole?: (role: Role, logger: Logger) => Promise<RoleModule | undefined>;
  /**
   * Aborting it (a SIGTERM during startup) stops the startup at once: what started is shut down
   * (a role still starting is closed once its start settles, within `shutdown.timeoutMs`) and
   * startServer rejects with a StartupAbortedError carrying the shutdown result.
   */
  signal?: AbortSignal;
}

/** Startup was stopped by `StartServerOptions.signal`; `result` says whether everything closed cleanly. */
export class StartupAbortedError extends Error {
  constructor(readonly result: ShutdownResult) {
    super(`startup stopped (${result.reason}); exit code ${result.exitCode}`);
    this.name = 'StartupAbortedError';
  }
}

/** The rejection that stops startServer's steps; turned into a StartupAbortedError once shut down. */
const ABORTED = new Error('startup aborted');

/** Rejects with ABORTED once `signal` aborts (never when there is no signal). */
function abortedBy(signal: AbortSignal | undefined): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal === undefined) return;
    if (signal.aborted) reject(ABORTED);
    else signal.addEventListener('abort', () => reject(ABORTED), { once: true });
  });
  // Only awaited through Promise.race below; an abort after startup must not be an unhandled rejection.
  aborted.catch(() => undefined);
  return aborted;
}

/** Builds the shared pieces, starts the roles of `config.roles`, then listens. */
export async function startServer(config: Config, opts: StartServerOptions = {}): Promise<RunningServer> {
  const load = opts.loadRole ?? loadRoleModule;
  const logger = createLogger({ service: 'miroir', level: config.logging.level });
  const metrics = createMetrics({
    prefix: config.metrics.prefix,
    defaultMetrics: config.metrics.enabled && config.metrics.defaultMetrics,
  });
  const app = createHttpApp({
    logger,
    bodyLimit: config.ingest.payloadLimitBytes,
    requestTimeoutMs: config.http.requestTimeoutMs,
    ...(config.metrics.enabled ? { metrics } : {}),
  });
  const lifecycle = createLifecycle({ logger, timeoutMs: config.shutdown.timeoutMs });
  lifecycle.register('stop-intake', 'http server', () => app.close());

  const started: Array<{ role: Role; handle: RoleHandle }> = [];
  const aborted = abortedBy(opts.signal);
  let starting: { role: Role; handle: Promise<RoleHandle> } | undefined;
  let handlesRegistered = false;
  const registerHandles = (): void => {
    // A role interrupted mid-start is the newest: it closes first, once its start has settled.
    const pending = starting;
    if (pending !== undefined)
      lifecycle.register('drain', `role ${pending.role} (starting)`, async () => {
        const handle = await pending.handle.catch(() => undefined);
        await handle?.close();
      });
    // Roles that started last stop first: ingest stops taking writes before indexers drain.
    for (const { role, handle } of [...started].reverse())
      lifecycle.register('drain', `role ${role}`, () => handle.close());
    handlesRegistered = true;
  };
  try {
    for (const role of ROLE_START_ORDER.filter((r) => config.roles.includes(r))) {
      const mod = await load(role, logger);
      if (!mod) continue;
      const roleLogger = createLogger({ service: role, level: config.logging.level });
      logger.info({ role }, `role ${role}: starting`);
      const handle = mod.start({ role, config, logger: roleLogger, metrics, app, lifecycle });
      starting = { role, handle };
      started.push({ role, handle: await Promise.race([handle, aborted]) });
      starting = undefined;
      logger.info({ role }, `role ${role}: started`);
    }
    // A secured process without an HTTP role (indexer only) still guards /metrics: master key only.
    if (!hasHttpAuth(app) && config.auth.masterKey !== undefined)
      installHttpAuth(app, { masterKey: config.auth.masterKey, keys: noKeys });
    const address = await Promise.race([
      app.listen({ host: config.http.host, port: config.http.port }),
      aborted,
    ]);
    registerHandles();
    const url = displayUrl(address, config.http.host);
    logger.info({ url, roles: started.map((s) => s.role) }, `listening on ${url}`);
    return { app, lifecycle, logger, url, started: started.map((s) => s.role) };
  } catch (err) {
    // Undo what did start, so a failed or interrupted startup leaves no consumer or socket behind.
    if (!handlesRegistered) registerHandles();
    if (err === ABORTED) {
      const reason = typeof opts.signal?.reason === 'string' ? opts.signal.reason : 'startup aborted';
      logger.info({ reason }, 'stop requested during startup');
      throw new StartupAbortedError(await lifecycle.shutdown(reason));
    }
    await lifecycle.shutdown('startup failed');
    throw err;
  }
}

/** fastify reports the bound address; show a wildcard bind as loopback, which a browser can open. */
function displayUrl(address: string, host: string): string {
  if (host === '0.0.0.0' || host === '::') return address.replace(/\/\/(\[::\]|0\.0\.0\.0)/, '//127.0.0.1');
  return address;
}

/** Waits for a signal-driven shutdown and returns its exit code. */
export async function runUntilSignalled(server: RunningServer): Promise<number> {
  const removeHandlers = handleSignals(server.lifecycle, process, (code) => process.exit(code));
  const result = await server.lifecycle.done;
  removeHandlers();
  // A client library that leaves a timer behind must not keep a stopped process alive.
  setTimeout(() => process.exit(result.exitCode), 2000).unref();
  return result.exitCode;
}

/** Reads --config and applies env and flags; prints the problems and returns undefined when invalid. */
export function loadConfigFromCli(
  command: string,
  file: string | undefined,
  overrides: Partial<ConfigInput>,
): Config | undefined {
  let text: string | undefined;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      process.stderr.write(`miroir ${command}: cannot read config file ${file}: ${(err as Error).message}\n`);
      return undefined;
    }
  }
  try {
    return loadConfig({
      env: process.env,
      ...(text !== undefined ? { file: text } : {}),
      ...(file ? { fileName: file } : {}),
      overrides,
    });
  } catch (err) {
    if (err instanceof InvalidConfigError) {
      process.stderr.write(`miroir ${command}: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'serve',
    argv,
    {
      config: { type: 'string', short: 'c' },
      roles: { type: 'string' },
      port: { type: 'string' },
    },
    USAGE,
  );
  if (typeof values === 'number') return values;
  const overrides: Partial<ConfigInput> = {};
  // Flags go through the same validation as the file and the environment.
  if (values.roles !== undefined) overrides.roles = values.roles.split(',').map((r) => r.trim()) as Role[];
  if (values.port !== undefined) overrides.http = { port: Number(values.port) };
  const config = loadConfigFromCli('serve', values.config, overrides);
  if (!config) return 2;
  const server = await startUnlessSignalled(config);
  if (typeof server === 'number') return server;
  for (const warning of authStartupWarnings(config.auth, false)) server.logger.warn(warning);
  return runUntilSignalled(server);
}

/**
 * Starts the server with SIGTERM/SIGINT already handled: a signal during startup stops it and
 * gives the shutdown's exit code (0 when everything that started closed in time). A second
 * signal forces exit 1. Returns the running server, or the exit code when it did not start.
 */
export async function startUnlessSignalled(
  config: Config,
  opts: Omit<StartServerOptions, 'signal'> = {},
): Promise<RunningServer | number> {
  try {
    return await withStartupSignals((signal) => startServer(config, { ...opts, signal }));
  } catch (err) {
    const code = err instanceof StartupAbortedError ? err.result.exitCode : 1;
    if (!(err instanceof StartupAbortedError))
      process.stderr.write(`miroir serve: startup failed: ${(err as Error).stack ?? String(err)}\n`);
    // A client still retrying a connection (e.g. to an unreachable broker) must not keep the process alive.
    setTimeout(() => process.exit(code), 2000).unref();
    return code;
  }
}
