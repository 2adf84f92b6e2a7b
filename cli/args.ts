// Flag parsing shared by the `miroir` subcommands: strict node:util parseArgs, usage on --help,
// and exit code 2 with the usage on a bad flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flag values, or the exit code the command should return (0 for --help, 2 for bad flags). */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  usage: string,
):
  | ReturnType<
      typeof parseArgs<{
        args: string[];
        options: T & { help: { type: 'boolean'; short: 'h' } };
        strict: true;
      }>
    >['values']
  | number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } as const },
      strict: true,
    });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(usage);
      return 0;
    }
    return values;
  } catch (err) {
    process.stderr.write(`miroir ${command}: ${(err as Error).message}\n${usage}`);
    return 2;
  }
}
