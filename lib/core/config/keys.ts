// The catalogue of configuration keys, derived from the schema's JSON Schema: dotted path, type,
// default, environment variable and meaning of every leaf. docs/config.md is tested against it
// and the environment mapping walks the same tree, so the three can never drift apart.
import { configJsonSchema } from './schema.ts';

/** A JSON Schema node, reduced to what the walker reads. */
export interface SchemaNode {
  type?: string;
  format?: string;
  enum?: readonly unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

export interface ConfigKey {
  /** Dotted path; `[]` marks the elements of a list of objects, e.g. `nodes[].url`. */
  path: string;
  type: string;
  /** Default as written in docs (JSON), or undefined when the key has none. */
  default: string | undefined;
  env: string;
  description: string;
}

export const ENV_PREFIX = 'MIROIR_';
export const ENV_SEPARATOR = '__';
/** Placeholder for a list index in documented environment names, e.g. MIROIR_NODES__<i>__URL. */
export const ENV_INDEX = '<i>';

/** `topicPrefix` -> `TOPIC_PREFIX`. */
export function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function isObjectNode(node: SchemaNode): boolean {
  return node.type === 'object' && node.properties !== undefined;
}

export function isObjectList(node: SchemaNode): boolean {
  return node.type === 'array' && node.items !== undefined && isObjectNode(node.items);
}

export function describeType(node: SchemaNode): string {
  if (node.enum) return `enum (${node.enum.map(String).join(', ')})`;
  if (node.type === 'array') return `list of ${node.items ? describeType(node.items) : 'any'}`;
  if (node.format === 'uri') return 'url';
  return node.type ?? 'any';
}

let rootCache: SchemaNode | undefined;
export function configSchemaTree(): SchemaNode {
  rootCache ??= configJsonSchema() as SchemaNode;
  return rootCache;
}

/** Every leaf key of the configuration, in schema order. */
export function configKeys(): ConfigKey[] {
  const keys: ConfigKey[] = [];
  const walk = (node: SchemaNode, path: string[], env: string[]): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const childPath = [...path, name];
      const childEnv = [...env, envSegment(name)];
      if (isObjectNode(child)) {
        walk(child, childPath, childEnv);
        continue;
      }
      keys.push({
        path: childPath.join('.'),
        type: describeType(child),
        default: child.default === undefined ? undefined : JSON.stringify(child.default),
        env: ENV_PREFIX + childEnv.join(ENV_SEPARATOR),
        description: child.description ?? '',
      });
      if (isObjectList(child) && child.items)
        walk(child.items, [...childPath.slice(0, -1), `${name}[]`], [...childEnv, ENV_INDEX]);
    }
  };
  walk(configSchemaTree(), [], []);
  return keys;
}
