import { describe, expect, it } from 'vitest';
import { formatDuration } from '#devnode/tasks/clock.ts';

describe('formatDuration', () => {
  it('writes ISO 8601 durations with the shortest exact fraction', () => {
    expect(formatDuration(1e9)).toBe('PT1S');
    expect(formatDuration(0.5e9)).toBe('PT0.500S');
    expect(formatDuration(9_330_000)).toBe('PT0.009330S');
    expect(formatDuration(1_234_567)).toBe('PT0.001234567S');
    expect(formatDuration(86_400e9 + 3e9)).toBe('P1DT3S');
    expect(formatDuration(0)).toBe('PT0S');
  });
});
