// The facet distribution's fast path (counts per value id, alpha order precomputed, packed count
// keys) gives exactly the reference result that builds and sorts every bucket.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FacetValueStore } from '#devnode/engine/facet-values.ts';
import { facetDistribution, facetDistributionReference } from '#devnode/engine/facets.ts';
import type { Document } from '#devnode/engine/types.ts';

const value = fc.oneof(
  fc.constantFrom('Red', 'red', 'blue', 'Été', 'ete', '10', 'b', '', 'zz', 'Zz'),
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(1.5, true, false, null),
);
const docArb = fc.record({ color: fc.oneof(value, fc.array(value, { maxLength: 3 })) }, { requiredKeys: [] });

describe('facet distribution', () => {
  it('matches the reference for both orders, any page size and any candidate subset', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(docArb, { nil: undefined }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 12 }),
        // Above 3000 candidates the fast path runs; below, the reference itself.
        fc.constantFrom(40, 3600, 4000),
        fc.integer({ min: 1, max: 20 }),
        (base, maxValues, size, stride) => {
          const docs = Array.from({ length: size }, (_, i) => base[i % base.length]);
          const store = new FacetValueStore(() => docs);
          const candidates = docs.map((_, i) => i).filter((i) => docs[i] !== undefined && i % stride !== 1);
          for (const order of ['alpha', 'count'] as const) {
            const { distribution } = facetDistribution(store, ['color'], candidates, maxValues, {
              color: order,
            });
            const expected = facetDistributionReference(store, 'color', candidates, maxValues, order);
            expect(Object.entries(distribution.color ?? {})).toEqual(Object.entries(expected));
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('keeps the counting index current through writes (same counts as a store built afresh)', () => {
    fc.assert(
      fc.property(
        fc.array(docArb, { minLength: 1, maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(25), fc.option(docArb, { nil: undefined })), { maxLength: 10 }),
        (initial, writes) => {
          const docs: (Document | undefined)[] = [...initial];
          const live = new FacetValueStore(() => docs);
          live.prepare(['color']);
          for (const [slot, doc] of writes) {
            docs[slot] = doc;
            if (doc === undefined) live.onDocumentRemoved(slot);
            else live.onDocumentSet(slot, doc);
          }
          const fresh = new FacetValueStore(() => docs);
          const candidates = docs.map((_, i) => i).filter((i) => docs[i] !== undefined);
          for (const order of ['alpha', 'count'] as const) {
            expect(facetDistribution(live, ['color'], candidates, 50, { color: order })).toEqual(
              facetDistribution(fresh, ['color'], candidates, 50, { color: order }),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports min and max over the numbers of the candidates only', () => {
    const docs: Document[] = [{ n: 5 }, { n: [1, 'x'] }, { n: 9 }, { n: 'y' }];
    const store = new FacetValueStore(() => docs);
    expect(facetDistribution(store, ['n'], [0, 1, 3], 10, {}).stats).toEqual({ n: { min: 1, max: 5 } });
    expect(facetDistribution(store, ['n'], [3], 10, {}).stats).toEqual({});
  });
});
