// Node settings derived from a client settings update.
import { describe, expect, it } from 'vitest';
import {
  NODE_MAX_TOTAL_HITS,
  NODE_MAX_VALUES_PER_FACET,
  initialNodeSettings,
  nodeSettingsOf,
  nodeSettingsReady,
  preparedNodeSettings,
} from '../../../indexers/node-settings.ts';

describe('nodeSettingsOf', () => {
  it('keeps fields the client did not send out of the patch', () => {
    expect(nodeSettingsOf({ rankingRules: ['words'] })).toEqual({ rankingRules: ['words'] });
  });

  it('always keeps _miroir_shard filterable, also on reset and in object form', () => {
    expect(nodeSettingsOf({ filterableAttributes: ['a'] })).toEqual({
      filterableAttributes: ['a', '_miroir_shard'],
    });
    expect(nodeSettingsOf({ filterableAttributes: null })).toEqual({
      filterableAttributes: ['_miroir_shard'],
    });
    expect(nodeSettingsOf({ filterableAttributes: ['_miroir_shard', 'a'] })).toEqual({
      filterableAttributes: ['_miroir_shard', 'a'],
    });
    const objectForm = { attributePatterns: ['genre'], features: { facetSearch: true } };
    expect(nodeSettingsOf({ filterableAttributes: [objectForm] })).toEqual({
      filterableAttributes: [objectForm, '_miroir_shard'],
    });
  });

  it('raises maxValuesPerFacet whatever the client asked, and spells out a faceting reset', () => {
    expect(
      nodeSettingsOf({ faceting: { maxValuesPerFacet: 5, sortFacetValuesBy: { genre: 'count' } } }),
    ).toEqual({
      faceting: { maxValuesPerFacet: NODE_MAX_VALUES_PER_FACET, sortFacetValuesBy: { genre: 'count' } },
    });
    expect(nodeSettingsOf({ faceting: null })).toEqual({
      faceting: { maxValuesPerFacet: NODE_MAX_VALUES_PER_FACET, sortFacetValuesBy: { '*': 'alpha' } },
    });
  });

  it('raises maxTotalHits whatever the client asked, also on reset', () => {
    expect(nodeSettingsOf({ pagination: { maxTotalHits: 50 } })).toEqual({
      pagination: { maxTotalHits: NODE_MAX_TOTAL_HITS },
    });
    expect(nodeSettingsOf({ pagination: null })).toEqual({
      pagination: { maxTotalHits: NODE_MAX_TOTAL_HITS },
    });
    expect(initialNodeSettings()).toMatchObject({ pagination: { maxTotalHits: NODE_MAX_TOTAL_HITS } });
  });

  it('tells whether node settings are ready: shard field filterable, shard totals not capped', () => {
    const uncapped = { pagination: { maxTotalHits: NODE_MAX_TOTAL_HITS } };
    expect(nodeSettingsReady({ filterableAttributes: [], ...uncapped })).toBe(false);
    expect(nodeSettingsReady(initialNodeSettings())).toBe(true);
    expect(
      nodeSettingsReady({ filterableAttributes: [{ attributePatterns: ['_miroir_shard'] }], ...uncapped }),
    ).toBe(true);
    // Meilisearch's default cap would make every shard total stop at 1,000.
    expect(
      nodeSettingsReady({ filterableAttributes: ['_miroir_shard'], pagination: { maxTotalHits: 1000 } }),
    ).toBe(false);
  });

  it('prepares a node index: keeps its filterable attributes, adds the shard field and the node limits', () => {
    expect(
      preparedNodeSettings({ filterableAttributes: ['genre'], pagination: { maxTotalHits: 1000 } }),
    ).toEqual({
      ...initialNodeSettings(),
      filterableAttributes: ['genre', '_miroir_shard'],
    });
    expect(preparedNodeSettings({ filterableAttributes: ['_miroir_shard'] }).filterableAttributes).toEqual([
      '_miroir_shard',
    ]);
  });
});
