// Public face of the configuration module: schema, key catalogue and the pure loader.
export {
  ConfigSchema,
  ROLES,
  LOG_LEVELS,
  configJsonSchema,
  type Config,
  type ConfigInput,
  type NodeConfig,
  type Role,
} from './schema.ts';
export { configKeys, type ConfigKey } from './keys.ts';
export {
  loadConfig,
  mergeConfig,
  InvalidConfigError,
  type ConfigIssue,
  type LoadConfigOptions,
} from './load.ts';
