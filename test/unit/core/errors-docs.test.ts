// docs/errors.md and lib/core/errors.ts must agree: same codes, statuses and types, and every
// Miroir code has its own section (the target of its `link`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '#core/errors.ts';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

interface DocCode {
  code: string;
  status: number;
  type: string;
}

function meilisearchRows(): DocCode[] {
  return doc
    .split('\n')
    .filter((line) => /^\| `[a-z0-9_]+` +\|/.test(line))
    .map((line) => {
      const [code = '', status = '', type = '', when = ''] = line
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim());
      expect(when.length, `${code} has a description`).toBeGreaterThan(5);
      return { code: code.replaceAll('`', ''), status: Number(status), type: type.replaceAll('`', '') };
    });
}

function miroirSections(): DocCode[] {
  return [...doc.matchAll(/^### `([a-z0-9_]+)`\n\nStatus \*\*(\d{3})\*\*, type `([a-z_]+)`\./gm)].map(
    (m) => ({
      code: m[1] ?? '',
      status: Number(m[2]),
      type: m[3] ?? '',
    }),
  );
}

describe('docs/errors.md', () => {
  const documented = [...meilisearchRows(), ...miroirSections()];

  it('lists every registry code exactly once, and nothing else', () => {
    const codes = documented.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('gives each code the registry status and type', () => {
    for (const d of documented) {
      const spec = ERROR_CODES[d.code as keyof typeof ERROR_CODES];
      expect({ code: d.code, status: d.status, type: d.type }).toEqual({
        code: d.code,
        status: spec.status,
        type: spec.type,
      });
    }
  });

  it('documents Miroir codes as sections (their link anchors) and Meilisearch codes in the table', () => {
    for (const d of miroirSections()) expect(d.code.startsWith('miroir_'), d.code).toBe(true);
    for (const d of meilisearchRows()) expect(d.code.startsWith('miroir_'), d.code).toBe(false);
  });
});
