// `_formatted` as milli's matches/mod.rs builds it: a phrase highlights as one span, a prefix term
// found through a typo highlights as many characters as the query word has, and the crop window
// keeps the separators it passes (a sentence end is one hard separator).
import { describe, expect, it } from 'vitest';
import { engineWith, searchRequest } from './helpers.ts';

const docs = [
  { id: 1, t: 'Babel preset for all React plugins.' },
  { id: 2, t: 'Babel preset for all React plugins. And more words here to crop away.' },
  { id: 3, t: '@babel/types' },
  { id: 4, t: 'COSE library for node.js' },
  { id: 5, t: 'one two three four five six.' },
];

function formatted(q: string, over: Record<string, unknown> = {}): Record<number, unknown> {
  const engine = engineWith(docs);
  const res = engine.search(searchRequest({ q, attributesToHighlight: ['t'], ...over }));
  return Object.fromEntries(res.hits.map((h) => [h.id as number, (h._formatted as { t: unknown }).t]));
}

describe('formatting', () => {
  it('crops around the matches and keeps the separators it passes', () => {
    const crop = { attributesToCrop: ['t'], cropLength: 6 };
    expect(formatted('react plugins', crop)).toMatchObject({
      1: 'Babel preset for all <em>React</em> <em>plugins</em>.',
      2: 'Babel preset for all <em>React</em> <em>plugins</em>…',
    });
    expect(formatted('five', crop)[5]).toBe('one two three four <em>five</em> six.');
    expect(formatted('', { attributesToCrop: ['t'], cropLength: 1 })[3]).toBe('@babel…');
  });

  it('highlights a phrase as one span and a typo-derived prefix by the query length', () => {
    expect(formatted('"for node"')[4]).toBe('COSE library <em>for node</em>.js');
    expect(formatted('babek')[3]).toBe('@<em>babel</em>/types');
    expect(formatted('pluginz')[1]).toBe('Babel preset for all React <em>plugins</em>.');
  });
});
