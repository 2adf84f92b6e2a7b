// Which topics exist, as a log reader sees them. Miroir creates every topic before the event that
// names it, so a reader asks the broker (a metadata request for every topic of the cluster, slow
// with many indexes) only when a topic it needs was never seen; topics are not expected to
// disappear while the topology names them.
export interface KnownTopics {
  /** Records a topic known to exist without asking (e.g. one announced only once created). */
  add(topic: string): void;
  /** The topics known to exist, after one listing when any of `wanted` was never seen (or `refresh`). */
  covering(wanted: Iterable<string>, refresh?: boolean): Promise<ReadonlySet<string>>;
}

export function knownTopics(list: () => Promise<readonly string[]>): KnownTopics {
  const known = new Set<string>();
  return {
    add: (topic) => void known.add(topic),
    async covering(wanted, refresh = false) {
      let unseen = refresh;
      for (const topic of wanted) unseen ||= !known.has(topic);
      if (unseen) for (const topic of await list()) known.add(topic);
      return known;
    },
  };
}
