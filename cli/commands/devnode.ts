// `miroir devnode --port P --data DIR [--master-key K] [--host H]`: runs one standalone
// Meilisearch-compatible development node until SIGTERM or SIGINT.
import { startDevnode } from '#devnode/server.ts';
import { parseCommandArgs } from '../args.ts';

const USAGE = 'usage: miroir devnode --port P --data DIR [--master-key K] [--host H]\n';

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'devnode',
    argv,
    {
      port: { type: 'string', default: '7700' },
      data: { type: 'string' },
      'master-key': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
    },
    USAGE,
  );
  if (typeof values === 'number') return values;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !values.data) {
    process.stderr.write(`miroir devnode: --port must be 0-65535 and --data is required\n${USAGE}`);
    return 2;
  }
  const node = await startDevnode({
    port,
    dataDir: values.data,
    masterKey: values['master-key'],
    host: values.host,
  });
  process.stdout.write(`devnode listening on ${node.url} (data: ${values.data})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await node.close();
  return 0;
}
