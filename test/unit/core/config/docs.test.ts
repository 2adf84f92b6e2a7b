// docs/config.md is the operator's reference: its key table must match the schema exactly
// (every key documented with the right type, default and environment name, nothing extra),
// and its example must be a valid configuration.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configKeys, loadConfig } from '#core/config/index.ts';

const doc = readFileSync(new URL('../../../../docs/config.md', import.meta.url), 'utf8');

interface DocRow {
  key: string;
  type: string;
  default: string | undefined;
  env: string;
  meaning: string;
}

function unquote(cell: string): string {
  return cell.replace(/^`(.*)`$/, '$1');
}

function tableRows(section: string): DocRow[] {
  const body = doc.split(`## ${section}\n`)[1]?.split('\n## ')[0] ?? '';
  return body
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim());
      expect(cells, line).toHaveLength(5);
      const [key = '', type = '', def = '', env = '', meaning = ''] = cells;
      return {
        key: unquote(key),
        type,
        default: def === '—' ? undefined : unquote(def),
        env: unquote(env),
        meaning,
      };
    });
}

describe('docs/config.md', () => {
  const rows = tableRows('Keys');
  const keys = configKeys();

  it('documents every schema key, and only those, in schema order', () => {
    expect(rows.map((r) => r.key)).toEqual(keys.map((k) => k.path));
  });

  it('gives each key its type, default, environment name and a meaning', () => {
    for (const key of keys) {
      const row = rows.find((r) => r.key === key.path);
      expect(row, key.path).toBeDefined();
      expect({ key: key.path, type: row?.type, default: row?.default, env: row?.env }).toEqual({
        key: key.path,
        type: key.type,
        default: key.default,
        env: key.env,
      });
      expect(row?.meaning.length, `${key.path} meaning`).toBeGreaterThan(10);
    }
  });

  it('documents environment names that the loader really accepts', () => {
    for (const key of keys.filter((k) => !k.env.includes('<i>'))) {
      // Type-appropriate sample value, taken from the default when there is one.
      const sample = key.default === undefined ? undefined : (JSON.parse(key.default) as unknown);
      if (sample === undefined || (Array.isArray(sample) && sample.length === 0)) continue;
      const text = Array.isArray(sample)
        ? sample.join(',')
        : typeof sample === 'string'
          ? sample
          : JSON.stringify(sample);
      expect(() => loadConfig({ env: { [key.env]: text } }), key.env).not.toThrow();
    }
  });

  it('has an example that loads', () => {
    const example = doc.split('## Example\n')[1]?.split('```yaml\n')[1]?.split('```')[0];
    expect(example).toBeDefined();
    const config = loadConfig({ file: example ?? '' });
    expect(config.nodes).toHaveLength(2);
    expect(config.tasks.store).toBe('redis');
  });
});
