// Geo helpers for `_geo` fields: reading a document's point, haversine distance (Meilisearch uses
// an Earth radius of 6 371 000 m), and the bounding-box / polygon tests of the geo filters.
import type { Document } from './types.ts';

const EARTH_RADIUS_M = 6_371_000;

export function geoPoint(doc: Document): [number, number] | null {
  const geo = doc._geo;
  if (typeof geo !== 'object' || geo === null || Array.isArray(geo)) return null;
  const { lat, lng } = geo as { lat?: unknown; lng?: unknown };
  const la = typeof lat === 'string' ? Number(lat) : lat;
  const ln = typeof lng === 'string' ? Number(lng) : lng;
  if (typeof la !== 'number' || typeof ln !== 'number' || !Number.isFinite(la) || !Number.isFinite(ln))
    return null;
  return [la, ln];
}

export function haversine(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLng = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function inBoundingBox(
  p: readonly [number, number],
  topRight: readonly [number, number],
  bottomLeft: readonly [number, number],
): boolean {
  if (p[0] > topRight[0] || p[0] < bottomLeft[0]) return false;
  // A box whose right edge is west of its left edge crosses the antimeridian.
  if (bottomLeft[1] <= topRight[1]) return p[1] >= bottomLeft[1] && p[1] <= topRight[1];
  return p[1] >= bottomLeft[1] || p[1] <= topRight[1];
}

export function inPolygon(
  p: readonly [number, number],
  points: readonly (readonly [number, number])[],
): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i] as readonly [number, number];
    const b = points[j] as readonly [number, number];
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0])
      inside = !inside;
  }
  return inside;
}
