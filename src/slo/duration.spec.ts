import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('slo/duration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['250ms', 250],
    ['1h0m', 3_600_000],
  ])('parses %s as Prometheus does', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '1.5h', '5M', '1m1h', 'h', '-5m', '5 m', '30days'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  // Sloth names rules with Prometheus's formatter; the corpus outputs show 24h -> 1d, 72h -> 3d,
  // 28d -> 4w (slo:sli_error:ratio_rate4w), 7d -> 1w, while 30d stays 30d.
  it.each([
    [86_400_000, '1d'],
    [3 * 86_400_000, '3d'],
    [28 * 86_400_000, '4w'],
    [7 * 86_400_000, '1w'],
    [30 * 86_400_000, '30d'],
    [90 * 86_400_000, '90d'],
    [5_400_000, '1h30m'],
    [300_000, '5m'],
    [0, '0s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
