// `miroir dev --meilisearch [PATH]`: the optional path is read as parseArgs cannot, the binary is
// taken from the flag, MEILISEARCH_BIN, the PATH, then the shared copy, and a missing or
// unusable one is refused (exit 2) before anything starts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { resolveMeilisearchFlag, run, withOptionalMeilisearchPath } from '../../../../cli/commands/dev.ts';

const dir = mkdtempSync(join(tmpdir(), 'miroir-dev-flag-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** An executable file named `meilisearch` in a folder of its own (never run by these tests). */
function fakeBinary(folder: string): string {
  mkdirSync(join(dir, folder), { recursive: true });
  const path = join(dir, folder, 'meilisearch');
  writeFileSync(path, '#!/bin/sh\nexit 1\n');
  chmodSync(path, 0o755);
  return path;
}

describe('withOptionalMeilisearchPath', () => {
  it('keeps a path that follows the flag', () => {
    expect(withOptionalMeilisearchPath(['--meilisearch', '/opt/meili', '--nodes', '2'])).toEqual([
      '--meilisearch',
      '/opt/meili',
      '--nodes',
      '2',
    ]);
  });
  it('reads a bare flag, last or before another flag, as "find one"', () => {
    expect(withOptionalMeilisearchPath(['--nodes', '2', '--meilisearch'])).toEqual([
      '--nodes',
      '2',
      '--meilisearch=',
    ]);
    expect(withOptionalMeilisearchPath(['--meilisearch', '--port', '0'])).toEqual([
      '--meilisearch=',
      '--port',
      '0',
    ]);
  });
  it('leaves --meilisearch=PATH and other arguments alone', () => {
    expect(withOptionalMeilisearchPath(['--meilisearch=/x', '--data', 'd'])).toEqual([
      '--meilisearch=/x',
      '--data',
      'd',
    ]);
  });
});

describe('resolveMeilisearchFlag', () => {
  it('is undefined without the flag: the nodes are devnodes', () => {
    expect(resolveMeilisearchFlag(undefined, {})).toBeUndefined();
  });

  it('takes the path given, and refuses one that is not an executable file', () => {
    const bin = fakeBinary('given');
    expect(resolveMeilisearchFlag(bin, {})).toEqual({ path: bin });
    expect(resolveMeilisearchFlag(join(dir, 'absent'), {})).toMatch(/not an executable file/);
  });

  it('finds MEILISEARCH_BIN before the PATH', () => {
    const fromEnv = fakeBinary('env');
    const onPath = fakeBinary('path');
    expect(resolveMeilisearchFlag('', { MEILISEARCH_BIN: fromEnv, PATH: join(dir, 'path') })).toEqual({
      path: fromEnv,
    });
    expect(resolveMeilisearchFlag('', { PATH: `${join(dir, 'nothing-here')}:${join(dir, 'path')}` })).toEqual(
      { path: onPath },
    );
  });

  it('refuses a MEILISEARCH_BIN that does not exist instead of looking further', () => {
    expect(
      resolveMeilisearchFlag('', { MEILISEARCH_BIN: join(dir, 'missing'), PATH: join(dir, 'path') }),
    ).toMatch(/MEILISEARCH_BIN=.* is not an executable file/);
  });
});

describe('miroir dev --meilisearch', () => {
  it('exits 2 with the reason when the binary given cannot run, before starting anything', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await run(['--meilisearch', join(dir, 'absent'), '--port', '0'])).toBe(2);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
      /--meilisearch .*absent: not an executable file/,
    );
  });

  it('lists the flag in --help', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await run(['--help'])).toBe(0);
    expect(stdout.mock.calls.map((c) => String(c[0])).join('')).toContain('--meilisearch [PATH]');
  });
});
