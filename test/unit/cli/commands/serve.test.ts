// The process shell: roles start in order on one shared app, a missing role is skipped, the
// port opens after every role started, and shutdown closes HTTP first, then the roles in reverse.
import { afterEach, describe, expect, it } from 'vitest';
import type { RoleContext, RoleModule } from '#adapters/role.ts';
import { loadConfig, type Role } from '#core/config/index.ts';
import { startServer, type RunningServer } from '../../../../cli/commands/serve.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.lifecycle.shutdown('test end');
  server = undefined;
});

const quiet = { MIROIR_LOGGING__LEVEL: 'silent', MIROIR_HTTP__HOST: '127.0.0.1', MIROIR_HTTP__PORT: '0' };

describe('startServer', () => {
  it('starts available roles in order, skips missing ones, serves their routes and /health', async () => {
    const events: string[] = [];
    const fakeRole = (role: Role): RoleModule => ({
      async start(ctx: RoleContext) {
        events.push(`start ${role}`);
        expect(ctx.role).toBe(role);
        ctx.app.get(`/${role}`, async () => ({ role }));
        return {
          async close() {
            events.push(`close ${role}`);
          },
        };
      },
    });
    const config = loadConfig({ env: { ...quiet, MIROIR_ROLES: 'ingest,query,projections' } });
    server = await startServer(config, {
      loadRole: async (role) => (role === 'projections' ? undefined : fakeRole(role)),
    });
    expect(events).toEqual(['start query', 'start ingest']);
    expect(server.started).toEqual(['query', 'ingest']);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toEqual({ status: 'available' });
    expect(await (await fetch(`${server.url}/query`)).json()).toEqual({ role: 'query' });

    const result = await server.lifecycle.shutdown('test');
    expect(result.exitCode).toBe(0);
    expect(events).toEqual(['start query', 'start ingest', 'close ingest', 'close query']);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('closes the roles that started when a later one fails, and reports the error', async () => {
    const closed: string[] = [];
    const config = loadConfig({ env: { ...quiet, MIROIR_ROLES: 'indexer,query' } });
    await expect(
      startServer(config, {
        loadRole: async (role) => ({
          async start() {
            if (role === 'query') throw new Error('query cannot start');
            return {
              async close() {
                closed.push(role);
              },
            };
          },
        }),
      }),
    ).rejects.toThrow('query cannot start');
    expect(closed).toEqual(['indexer']);
  });

  it('runs with no role module at all (only /health and /metrics)', async () => {
    server = await startServer(loadConfig({ env: quiet }), { loadRole: async () => undefined });
    expect(server.started).toEqual([]);
    const metrics = await fetch(`${server.url}/metrics`);
    expect(await metrics.text()).toContain('miroir_process_cpu_user_seconds_total');
  });
});
