// The topology read model of a process: the topology projection folded from `control`, plus the
// validated `Topology` (placement tables) derived once per change, which routing and the
// indexers read. A state that cannot be placed yet (no nodes) keeps the last good topology.
import type { KafkaClient, LogAdmin } from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import type { EventCodec } from '#core/events/codec.ts';
import { isControlEvent } from '#core/events/event.ts';
import type { ControlEvent } from '#core/events/control-events.ts';
import { createTopology, type Topology } from '#core/topology.ts';
import {
  createTopologyProjection,
  topologySpecOf,
  type ConfiguredNode,
  type TopologyState,
} from '#core/topology-projection.ts';
import { createProjectionRunner, type ProjectionRunner } from './runner.ts';

export interface TopologyRunner extends ProjectionRunner<TopologyState> {
  /** Placement of the current state; null until the state can be placed (e.g. no node known yet). */
  topology(): Topology | null;
}

export interface TopologyRunnerOptions {
  readonly kafka: Pick<KafkaClient, 'partitionConsumer'>;
  readonly admin: Pick<LogAdmin, 'fetchEndOffsets'>;
  readonly codec: EventCodec;
  readonly logger: Logger;
  readonly controlTopic: string;
  readonly topicPrefix: string;
  readonly nodes: readonly ConfiguredNode[];
  readonly replicationFactor: number;
}

export function createTopologyRunner(opts: TopologyRunnerOptions): TopologyRunner {
  const projection = createTopologyProjection({
    nodes: opts.nodes,
    replicationFactor: opts.replicationFactor,
  });
  const runner = createProjectionRunner<TopologyState, ControlEvent>({
    name: projection.name,
    topic: opts.controlTopic,
    topicPrefix: opts.topicPrefix,
    kafka: opts.kafka,
    admin: opts.admin,
    logger: opts.logger,
    initialState: projection.initialState,
    decode: (message) => {
      if (message.value === null) return null;
      const event = opts.codec.decode(message.value);
      return isControlEvent(event) ? event : null;
    },
    evolve: (state, offset, event) => projection.evolve(state, { offset, event }),
  });

  let derivedFrom: TopologyState | undefined;
  let derived: Topology | null = null;
  const topology = (): Topology | null => {
    const state = runner.state();
    if (state === derivedFrom) return derived;
    derivedFrom = state;
    try {
      derived = createTopology(topologySpecOf(state));
    } catch (err) {
      // Keeps the previous placement: a half-configured cluster must not unroute existing indexes.
      opts.logger.warn({ err, offset: state.offset }, 'topology cannot be placed yet');
    }
    return derived;
  };
  return { ...runner, topology };
}
