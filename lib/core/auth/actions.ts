// The actions an API key may hold: Meilisearch 1.50's list (same names, same order, as its
// `Action` enum), Miroir's admin actions declared next to them, what each wildcard expands to,
// and the index scope of each action (whether a key restricted to some indexes may hold it).

/** Meilisearch's actions, in the order of its `Action` enum (the order its errors list them). */
export const MEILISEARCH_ACTIONS = [
  '*',
  'search',
  'documents.*',
  'documents.add',
  'documents.get',
  'documents.delete',
  'indexes.*',
  'indexes.create',
  'indexes.get',
  'indexes.update',
  'indexes.delete',
  'indexes.swap',
  'tasks.*',
  'tasks.cancel',
  'tasks.delete',
  'tasks.get',
  'settings.*',
  'settings.get',
  'settings.update',
  'stats.*',
  'stats.get',
  'metrics.*',
  'metrics.get',
  'dumps.*',
  'dumps.create',
  'snapshots.*',
  'snapshots.create',
  'version',
  'keys.create',
  'keys.get',
  'keys.update',
  'keys.delete',
  'experimental.get',
  'experimental.update',
  'export',
  'network.get',
  'network.update',
  'chatCompletions',
  'chats.*',
  'chats.get',
  'chats.delete',
  'chatsSettings.*',
  'chatsSettings.get',
  'chatsSettings.update',
  '*.get',
  'webhooks.get',
  'webhooks.update',
  'webhooks.delete',
  'webhooks.create',
  'webhooks.*',
  'indexes.compact',
  'fields.post',
  'tasks.compact',
  'dynamicSearchRules.get',
  'dynamicSearchRules.create',
  'dynamicSearchRules.update',
  'dynamicSearchRules.delete',
  'dynamicSearchRules.*',
] as const;

/** Miroir's own actions, for the `/_miroir/*` admin API. `*` grants them too, as "every action". */
export const MIROIR_ACTIONS = [
  'miroir.*',
  'miroir.topology.get',
  'miroir.nodes.*',
  'miroir.nodes.get',
  'miroir.nodes.update',
  'miroir.operations.*',
  'miroir.operations.get',
  'miroir.operations.create',
] as const;

export const ACTIONS = [...MEILISEARCH_ACTIONS, ...MIROIR_ACTIONS] as const;
export type Action = (typeof ACTIONS)[number];

const ACTION_SET: ReadonlySet<string> = new Set(ACTIONS);
export function isAction(name: string): name is Action {
  return ACTION_SET.has(name);
}

/** Wildcards other than `*` and `*.get`, and the actions each grants (Meilisearch's put_api_key). */
const FAMILIES: Partial<Record<Action, readonly Action[]>> = {
  'documents.*': ['documents.get', 'documents.delete', 'documents.add'],
  'indexes.*': [
    'indexes.create',
    'indexes.delete',
    'indexes.get',
    'indexes.update',
    'indexes.swap',
    'indexes.compact',
  ],
  'settings.*': ['settings.get', 'settings.update'],
  'dumps.*': ['dumps.create'],
  'snapshots.*': ['snapshots.create'],
  'tasks.*': ['tasks.get', 'tasks.delete', 'tasks.cancel', 'tasks.compact'],
  'stats.*': ['stats.get'],
  'metrics.*': ['metrics.get'],
  'chats.*': ['chats.get', 'chats.delete'],
  'chatsSettings.*': ['chatsSettings.get', 'chatsSettings.update'],
  'webhooks.*': ['webhooks.get', 'webhooks.update', 'webhooks.delete', 'webhooks.create'],
  'dynamicSearchRules.*': [
    'dynamicSearchRules.get',
    'dynamicSearchRules.create',
    'dynamicSearchRules.update',
    'dynamicSearchRules.delete',
  ],
  'miroir.nodes.*': ['miroir.nodes.get', 'miroir.nodes.update'],
  'miroir.operations.*': ['miroir.operations.get', 'miroir.operations.create'],
  'miroir.*': [
    'miroir.topology.get',
    'miroir.nodes.get',
    'miroir.nodes.update',
    'miroir.operations.get',
    'miroir.operations.create',
  ],
};

const EXPANDING: ReadonlySet<Action> = new Set<Action>([
  '*',
  '*.get',
  ...(Object.keys(FAMILIES) as Action[]),
]);

/** Read actions, granted by `*.get` (Meilisearch's `is_read`; `keys.get` is left out on purpose there). */
const READS: ReadonlySet<Action> = new Set<Action>([
  'search',
  'documents.get',
  'export',
  'indexes.get',
  'tasks.get',
  'settings.get',
  'stats.get',
  'metrics.get',
  'version',
  'experimental.get',
  'network.get',
  'chats.get',
  'chatsSettings.get',
  'webhooks.get',
  'fields.post',
  'dynamicSearchRules.get',
  'miroir.topology.get',
  'miroir.nodes.get',
  'miroir.operations.get',
]);

/** The plain actions a key's action list grants, wildcards expanded. */
export function expandActions(actions: readonly string[]): Set<Action> {
  const granted = new Set<Action>();
  for (const name of actions) {
    if (!isAction(name)) continue;
    if (name === '*') {
      for (const a of ACTIONS) if (!EXPANDING.has(a)) granted.add(a);
    } else if (name === '*.get') {
      for (const a of READS) granted.add(a);
    } else {
      const family = FAMILIES[name];
      if (family !== undefined) for (const a of family) granted.add(a);
      else granted.add(name);
    }
  }
  return granted;
}

/**
 * Meilisearch's `IndexScope`: `deny` actions are global only (an index-scoped key cannot hold
 * them); `handler` actions serve index-less routes whose handler filters by the key's indexes;
 * `index` actions are only ever checked against one index.
 */
export type ActionScope = 'deny' | 'handler' | 'index' | 'multiple';

export function actionScope(action: Action): ActionScope {
  switch (action) {
    case '*':
    case '*.get':
    case 'documents.*':
    case 'indexes.*':
    case 'tasks.*':
    case 'settings.*':
      return 'multiple';
    case 'documents.get':
    case 'search':
    case 'indexes.create':
    case 'indexes.get':
    case 'indexes.swap':
    case 'tasks.cancel':
    case 'tasks.delete':
    case 'tasks.get':
    case 'settings.get':
    case 'stats.*':
    case 'stats.get':
    case 'chatCompletions':
      return 'handler';
    case 'documents.add':
    case 'documents.delete':
    case 'indexes.update':
    case 'indexes.delete':
    case 'indexes.compact':
    case 'fields.post':
    case 'settings.update':
      return 'index';
    default:
      return 'deny';
  }
}
