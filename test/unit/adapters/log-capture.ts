// Collects pino's JSON lines in memory so tests can read what a logger wrote.
import { Writable } from 'node:stream';

export interface LogCapture {
  stream: Writable;
  lines: () => Array<Record<string, unknown>>;
  text: () => string;
}

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const text = (): string => chunks.join('');
  const lines = (): Array<Record<string, unknown>> =>
    text()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, text };
}
