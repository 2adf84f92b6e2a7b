// Time as Meilisearch's task views write it: RFC 3339 UTC instants and ISO 8601 durations
// whose fraction has 3, 6 or 9 digits (the shortest exact one), e.g. `PT0.500S`, `P1DT3S`.

export function nowRfc3339(): string {
  return new Date().toISOString();
}

export function formatDuration(nanoseconds: number): string {
  const ns = Math.max(0, Math.round(nanoseconds));
  const totalSeconds = Math.floor(ns / 1e9);
  const fraction = ns % 1e9;
  const days = Math.floor(totalSeconds / 86_400);
  const seconds = totalSeconds % 86_400;
  let frac = '';
  if (fraction !== 0) {
    const nine = String(fraction).padStart(9, '0');
    frac =
      fraction % 1e6 === 0
        ? `.${nine.slice(0, 3)}`
        : fraction % 1e3 === 0
          ? `.${nine.slice(0, 6)}`
          : `.${nine}`;
  }
  return `P${days > 0 ? `${days}D` : ''}T${seconds}${frac}S`;
}
