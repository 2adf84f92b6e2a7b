// Maps `MIROIR_*` environment variables onto the configuration tree. Names are the key path in
// SCREAMING_SNAKE_CASE joined by `__` (MIROIR_HTTP__PORT, MIROIR_KAFKA__TOPIC_PREFIX); a numeric
// segment addresses a list element (MIROIR_NODES__0__API_KEY). Values are typed by the schema.
import {
  ENV_PREFIX,
  ENV_SEPARATOR,
  configSchemaTree,
  envSegment,
  isObjectList,
  isObjectNode,
  type SchemaNode,
} from './keys.ts';

export interface EnvIssue {
  /** The environment variable at fault. */
  source: string;
  message: string;
}

/** A patch addressing list elements by index; merged element-wise into a list from the file. */
export class IndexedPatch {
  readonly items = new Map<number, unknown>();
}

export interface EnvTree {
  tree: Record<string, unknown>;
  /** Dotted config path -> variable that set it, to name the variable in validation errors. */
  origins: Map<string, string>;
  issues: EnvIssue[];
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseScalar(raw: string, node: SchemaNode): Parsed {
  const value = raw.trim();
  switch (node.type) {
    case 'integer':
    case 'number': {
      const n = Number(value);
      return value !== '' && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, message: `\`${raw}\` is not a number` };
    }
    case 'boolean':
      if (value === 'true' || value === '1') return { ok: true, value: true };
      if (value === 'false' || value === '0') return { ok: true, value: false };
      return { ok: false, message: `\`${raw}\` is not a boolean (use true or false)` };
    default:
      return { ok: true, value };
  }
}

function parseValue(raw: string, node: SchemaNode): Parsed {
  if (isObjectNode(node) || isObjectList(node)) {
    try {
      return { ok: true, value: JSON.parse(raw) as unknown };
    } catch (err) {
      return { ok: false, message: `expected JSON (${(err as Error).message})` };
    }
  }
  if (node.type === 'array') {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const parsed: unknown[] = [];
    for (const item of items) {
      const p = parseScalar(item, node.items ?? {});
      if (!p.ok) return p;
      parsed.push(p.value);
    }
    return { ok: true, value: parsed };
  }
  return parseScalar(raw, node);
}

type Container = Record<string, unknown> | IndexedPatch;

function getChild(parent: Container, key: string | number, list: boolean): Container {
  const existing = parent instanceof IndexedPatch ? parent.items.get(key as number) : parent[key as string];
  if (existing !== undefined) return existing as Container;
  const created: Container = list ? new IndexedPatch() : {};
  if (parent instanceof IndexedPatch) parent.items.set(key as number, created);
  else parent[key as string] = created;
  return created;
}

function setChild(parent: Container, key: string | number, value: unknown): void {
  if (parent instanceof IndexedPatch) parent.items.set(key as number, value);
  else parent[key as string] = value;
}

interface Step {
  key: string | number;
  /** The value at this step is a list of objects, addressed by index below. */
  list: boolean;
}

/** Follows env name segments through the schema; undefined when a segment matches no key. */
function resolvePath(segments: string[]): { steps: Step[]; leaf: SchemaNode } | undefined {
  let node = configSchemaTree();
  const steps: Step[] = [];
  for (const seg of segments) {
    let key: string | number;
    let next: SchemaNode | undefined;
    if (isObjectNode(node)) {
      const found = Object.entries(node.properties ?? {}).find(([k]) => envSegment(k) === seg);
      if (!found) return undefined;
      [key, next] = found;
    } else if (isObjectList(node) && /^\d+$/.test(seg)) {
      key = Number(seg);
      next = node.items;
    } else {
      return undefined;
    }
    if (next === undefined) return undefined;
    steps.push({ key, list: isObjectList(next) });
    node = next;
  }
  return steps.length > 0 ? { steps, leaf: node } : undefined;
}

/** Reads every `MIROIR_*` variable; unknown names and unparsable values become issues. */
export function readEnv(env: Readonly<Record<string, string | undefined>>): EnvTree {
  const out: EnvTree = { tree: {}, origins: new Map(), issues: [] };
  const names = Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX))
    .sort();
  for (const name of names) {
    const raw = env[name];
    // An empty variable means "not set", as a shell `VAR=` usually intends.
    if (raw === undefined || raw === '') continue;
    const resolved = resolvePath(name.slice(ENV_PREFIX.length).split(ENV_SEPARATOR));
    if (!resolved) {
      out.issues.push({ source: name, message: 'unknown environment variable' });
      continue;
    }
    const parsed = parseValue(raw, resolved.leaf);
    if (!parsed.ok) {
      out.issues.push({ source: name, message: parsed.message });
      continue;
    }
    // Containers are created only once the whole name is known to be valid.
    let container: Container = out.tree;
    resolved.steps.forEach((step, i) => {
      if (i === resolved.steps.length - 1) setChild(container, step.key, parsed.value);
      else container = getChild(container, step.key, step.list);
    });
    out.origins.set(resolved.steps.map((s) => s.key).join('.'), name);
  }
  return out;
}
