// `miroir serve --config FILE [--roles ingest,query,indexer,projections] [--port N]`: loads the
// configuration (file + MIROIR_* environment + flags), builds logger, metrics and lifecycle,
// starts each selected role on one shared HTTP app, listens, and shuts down cleanly on a signal.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '#adapters/http-server.ts';
import { createLifecycle, handleSignals, type Lifecycle } from '#adapters/lifecycle.ts';
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
  let handlesRegistered = false;
  const registerHandles = (): void => {
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
      const handle = await mod.start({ role, config, logger: roleLogger, metrics, app, lifecycle });
      started.push({ role, handle });
      logger.info({ role }, `role ${role}: started`);
    }
    registerHandles();
    const address = await app.listen({ host: config.http.host, port: config.http.port });
    const url = displayUrl(address, config.http.host);
    logger.info({ url, roles: started.map((s) => s.role) }, `listening on ${url}`);
    return { app, lifecycle, logger, url, started: started.map((s) => s.role) };
  } catch (err) {
    // Undo what did start, so a failed startup leaves no consumer or socket behind.
    if (!handlesRegistered) registerHandles();
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
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    process.stderr.write(`miroir serve: startup failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
  return runUntilSignalled(server);
}
