// The contract between the process shell (`miroir serve`, `miroir dev`) and each role module
// (ingest/main.ts, query/main.ts, indexers/main.ts, projections/main.ts): the shell builds the
// shared pieces, calls `start(ctx)` on every selected role, then opens the HTTP port.
import type { FastifyInstance } from 'fastify';
import type { Config, Role } from '#core/config/index.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export interface RoleContext {
  role: Role;
  config: Config;
  /** A logger whose `service` binding is the role name. */
  logger: Logger;
  /** The process registry; declare the role's metric set on it with declareMetrics. */
  metrics: Metrics;
  /**
   * The shared HTTP app (with /health and /metrics). Register routes during start(); the shell
   * starts listening only after every role has started, and closes it first on shutdown.
   */
  app: FastifyInstance;
  /** For closers beyond the role handle, e.g. a client several parts of the role share. */
  lifecycle: Lifecycle;
}

export interface RoleHandle {
  /** Finishes in-flight work, commits consumer offsets and releases the role's clients. */
  close(): Promise<void>;
}

export interface RoleModule {
  start(ctx: RoleContext): Promise<RoleHandle>;
}

/** Where each role's composition root lives, relative to the repository root. */
export const ROLE_MODULE_PATHS: Readonly<Record<Role, string>> = {
  ingest: 'ingest/main.ts',
  query: 'query/main.ts',
  indexer: 'indexers/main.ts',
  projections: 'projections/main.ts',
  changelog: 'changelog/main.ts',
};

/** Start order: read models first (others consult them), HTTP-facing roles last. */
export const ROLE_START_ORDER: readonly Role[] = ['projections', 'indexer', 'changelog', 'query', 'ingest'];
