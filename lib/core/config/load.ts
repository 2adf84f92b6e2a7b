// loadConfig: defaults < config file (YAML or JSON text) < MIROIR_* environment < explicit
// overrides (command-line flags). Pure: callers read the file and pass process.env in.
// Every problem (file syntax, unknown keys, bad values, cross-key rules) is reported at once.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { MiroirError } from '../errors.ts';
import { IndexedPatch, readEnv } from './env.ts';
import { ConfigSchema, type Config, type ConfigInput } from './schema.ts';

export interface ConfigIssue {
  /** Dotted key path (`http.port`, `nodes.0.url`), or the variable or file at fault. */
  path: string;
  message: string;
}

/** The one error a bad configuration raises; `issues` lists every problem found. */
export class InvalidConfigError extends MiroirError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    const lines = issues.map((i) => `- ${i.path}: ${i.message}`);
    super(
      'miroir_invalid_config',
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}

export interface LoadConfigOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Text of the config file, YAML or JSON (JSON is YAML). */
  file?: string;
  /** Name of the file, for messages only. */
  fileName?: string;
  /** Highest precedence, for command-line flags such as --port or --roles. */
  overrides?: Partial<ConfigInput>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof IndexedPatch);
}

/** Objects merge key by key; lists are replaced whole, except an IndexedPatch, which merges per element. */
export function mergeConfig(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (patch instanceof IndexedPatch) {
    const out: unknown[] = Array.isArray(base) ? [...(base as unknown[])] : [];
    for (const [i, item] of [...patch.items].sort((a, b) => a[0] - b[0])) out[i] = mergeConfig(out[i], item);
    // Holes (an index set without its predecessors) become undefined and fail validation visibly.
    return Array.from(out);
  }
  if (isPlainObject(base) && isPlainObject(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = mergeConfig(base[k], v);
    return out;
  }
  return patch;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function zodIssues(error: z.ZodError, origins: Map<string, string>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const originOf = (path: string): string => {
    for (const [p, name] of origins) if (path === p || path.startsWith(`${p}.`)) return ` (set by ${name})`;
    return '';
  };
  for (const issue of error.issues) {
    const base = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: base ? `${base}.${key}` : key, message: 'unknown key' });
      continue;
    }
    out.push({ path: base || '(root)', message: issue.message + originOf(base) });
  }
  return out;
}

export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const issues: ConfigIssue[] = [];
  const fileLabel = opts.fileName ?? 'config file';

  let fromFile: unknown = {};
  if (opts.file !== undefined) {
    try {
      const parsed: unknown = parseYaml(opts.file);
      if (parsed === null || parsed === undefined) fromFile = {};
      else if (isPlainObject(parsed)) fromFile = parsed;
      else
        issues.push({
          path: fileLabel,
          message: 'the file must hold a mapping of keys (YAML or JSON object)',
        });
    } catch (err) {
      issues.push({
        path: fileLabel,
        message: `not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
      });
    }
  }

  const env = readEnv(opts.env ?? {});
  for (const i of env.issues) issues.push({ path: i.source, message: i.message });

  const merged = mergeConfig(mergeConfig(fromFile, env.tree), opts.overrides);
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) issues.push(...zodIssues(result.error, env.origins));
  if (issues.length > 0 || !result.success) throw new InvalidConfigError(issues);
  return result.data;
}
