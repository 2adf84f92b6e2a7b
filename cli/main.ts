// The `miroir` command: one dispatcher, one module per subcommand under cli/commands/.
// Each command module exports `run(argv: string[]): Promise<number | void>`.
const commands: Record<
  string,
  { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number | void> }> }
> = {
  dev: {
    summary: 'run the whole pipeline locally (Kafka, devnodes, all roles) on one port',
    load: () => import('./commands/dev.ts'),
  },
  serve: {
    summary: 'run a set of roles (--roles ingest,query,indexer,projections,changelog)',
    load: () => import('./commands/serve.ts'),
  },
  cdc: {
    summary: "print an index's changes from its changelog (cdc tail <index> [--from-beginning])",
    load: () => import('./commands/cdc.ts'),
  },
  devnode: {
    summary: 'run one Meilisearch-compatible development node',
    load: () => import('./commands/devnode.ts'),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: miroir <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(usage());
  process.exit(name ? 0 : 1);
}
const command = commands[name];
if (!command) {
  process.stderr.write(`miroir: unknown command '${name}'\n\n${usage()}`);
  process.exit(1);
}
const mod = await command.load();
const code = await mod.run(rest);
if (typeof code === 'number') process.exitCode = code;
