// A query view for tests: one index over replica groups of named nodes, as the topology
// projection would describe it.
import { createTopology, type NodeState } from '#core/topology.ts';
import type { QueryView, ServedIndex } from '../../../query/view.ts';

export interface ViewSpec {
  uid?: string;
  shards: number;
  rf: number;
  /** Node ids per group, e.g. { g1: ['n1', 'n2', 'n3'] }. */
  groups: Record<string, readonly string[]>;
  urls?: Record<string, string>;
  states?: Record<string, NodeState>;
  primaryKey?: string | null;
  settings?: Record<string, unknown>;
  unready?: Record<string, readonly number[]>;
}

export function makeView(spec: ViewSpec): QueryView {
  const uid = spec.uid ?? 'docs';
  const groups = Object.keys(spec.groups);
  const topology = createTopology({
    groups: groups.map((id) => ({ id, state: 'active' })),
    nodes: Object.entries(spec.groups).flatMap(([group, ids]) =>
      ids.map((id) => ({
        id,
        group,
        url: spec.urls?.[id] ?? `http://${id}.invalid`,
        state: spec.states?.[id] ?? 'active',
      })),
    ),
    indexes: [
      {
        uid,
        primaryKey: spec.primaryKey === undefined ? 'id' : spec.primaryKey,
        shards: spec.shards,
        rf: spec.rf,
        groups,
        generation: 0,
        state: 'active',
        ...(spec.unready !== undefined ? { unready: spec.unready } : {}),
      },
    ],
  });
  const index: ServedIndex = {
    uid,
    nodeIndexUid: `${uid}--g0`,
    primaryKey: spec.primaryKey === undefined ? 'id' : spec.primaryKey,
    settings: spec.settings ?? {},
  };
  return { topology, indexes: new Map([[uid, index]]) };
}
