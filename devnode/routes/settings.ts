// Settings routes: the whole object (GET, PATCH, DELETE) and every sub-route with the update
// verb Meilisearch uses for it. Updates are validated now and applied by a settingsUpdate task.
import { sendJson } from '#adapters/json-reply.ts';
import type { FastifyInstance } from 'fastify';
import { jsonBody, pathIndexUid } from '#adapters/meili-request.ts';
import type { DevnodeContext } from '#devnode/routes/context.ts';
import type { SettingsPatch } from '#core/meili/settings.ts';
import {
  parseSettingsBody,
  SETTINGS_KEYS,
  SETTINGS_ROUTES,
  settingsView,
  validateSetting,
} from '#core/meili/settings-validate.ts';

export function registerSettingsRoutes(app: FastifyInstance, ctx: DevnodeContext): void {
  const enqueue = (uid: string, patch: SettingsPatch) =>
    ctx.queue.enqueue('settingsUpdate', uid, { ...patch }, { kind: 'settings', patch });

  app.get('/indexes/:indexUid/settings', async (req) =>
    settingsView(ctx.state.require(pathIndexUid(req)).settings),
  );

  app.patch('/indexes/:indexUid/settings', async (req, reply) => {
    const uid = pathIndexUid(req);
    return reply.code(202).send(enqueue(uid, parseSettingsBody(jsonBody(req))));
  });

  app.delete('/indexes/:indexUid/settings', async (req, reply) => {
    const uid = pathIndexUid(req);
    const patch = Object.fromEntries(SETTINGS_KEYS.map((k) => [k, null])) as SettingsPatch;
    return reply.code(202).send(enqueue(uid, patch));
  });

  for (const route of SETTINGS_ROUTES) {
    const url = `/indexes/:indexUid/settings/${route.path}`;
    // A bare string setting (`"byWord"`) is still a JSON document, as Meilisearch sends it.
    app.get(url, async (req, reply) =>
      sendJson(reply, settingsView(ctx.state.require(pathIndexUid(req)).settings)[route.key]),
    );
    app.route({
      method: route.verb,
      url,
      handler: async (req, reply) => {
        const uid = pathIndexUid(req);
        const body = jsonBody(req);
        const value = body === null ? null : validateSetting(route.key, body, '');
        return reply.code(202).send(enqueue(uid, { [route.key]: value }));
      },
    });
    app.delete(url, async (req, reply) => {
      const uid = pathIndexUid(req);
      return reply.code(202).send(enqueue(uid, { [route.key]: null }));
    });
  }
}
