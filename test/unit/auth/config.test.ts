// auth.env as Meilisearch's --env: development takes any master key (or none); production stops
// the start without a master key of at least 16 bytes, with Meilisearch's reasons.
import { describe, expect, it } from 'vitest';
import { authStartupWarnings, OPEN_WARNING, SHORT_KEY_WARNING } from '#core/auth/startup.ts';
import { InvalidConfigError, loadConfig } from '#core/config/index.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ env });
    return [];
  } catch (err) {
    if (err instanceof InvalidConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
}

describe('auth configuration', () => {
  it('given development (the default), when the master key is short or missing, then the config loads', () => {
    expect(loadConfig({ env: {} }).auth).toEqual({ env: 'development' });
    expect(loadConfig({ env: { MIROIR_AUTH__MASTER_KEY: 'short' } }).auth).toEqual({
      env: 'development',
      masterKey: 'short',
    });
  });

  it('given production, when the master key is missing or under 16 bytes, then the start is refused with the reason', () => {
    expect(problems({ MIROIR_AUTH__ENV: 'production' })).toEqual([
      'auth.masterKey: You must provide a master key to secure your instance in a production environment (auth.masterKey, MIROIR_AUTH__MASTER_KEY).',
    ]);
    expect(problems({ MIROIR_AUTH__ENV: 'production', MIROIR_AUTH__MASTER_KEY: 'clé-courte' })).toEqual([
      'auth.masterKey: The master key must be at least 16 bytes in a production environment. The provided key is only 11 bytes. (set by MIROIR_AUTH__MASTER_KEY)',
    ]);
    expect(
      loadConfig({ env: { MIROIR_AUTH__ENV: 'production', MIROIR_AUTH__MASTER_KEY: 'sixteen-bytes-ok' } })
        .auth,
    ).toEqual({ env: 'production', masterKey: 'sixteen-bytes-ok' });
  });

  it('given a start, when it runs open or with a short key, then it warns as Meilisearch does, except open under miroir dev', () => {
    expect(authStartupWarnings({ env: 'development' }, false)).toEqual([OPEN_WARNING]);
    expect(authStartupWarnings({ env: 'development' }, true)).toEqual([]);
    expect(authStartupWarnings({ env: 'development', masterKey: 'short' }, true)).toEqual([
      SHORT_KEY_WARNING,
    ]);
    expect(authStartupWarnings({ env: 'production', masterKey: 'sixteen-bytes-ok' }, false)).toEqual([]);
  });
});
