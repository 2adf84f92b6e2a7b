// A secured process that runs no HTTP role (indexer only) still guards /metrics: the shell adds
// the auth hook with the master key alone; /health stays open.
import { afterEach, describe, expect, it } from 'vitest';
import type { RoleModule } from '#adapters/role.ts';
import { loadConfig } from '#core/config/index.ts';
import { startServer, type RunningServer } from '../../../cli/commands/serve.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.lifecycle.shutdown('test end');
  server = undefined;
});

const MASTER = 'indexer-only-master-key-0123';

describe('an indexer-only process with a master key', () => {
  it('given no HTTP role, when /metrics and /health are called, then /metrics needs the master key', async () => {
    const indexer: RoleModule = { start: async () => ({ close: async () => {} }) };
    const config = loadConfig({
      env: {
        MIROIR_LOGGING__LEVEL: 'silent',
        MIROIR_HTTP__HOST: '127.0.0.1',
        MIROIR_HTTP__PORT: '0',
        MIROIR_ROLES: 'indexer',
        MIROIR_AUTH__MASTER_KEY: MASTER,
      },
    });
    server = await startServer(config, { loadRole: async () => indexer });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const denied = await fetch(`${server.url}/metrics`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ code: 'missing_authorization_header' });
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    const allowed = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${MASTER}` } });
    expect(allowed.status).toBe(200);
  });
});
