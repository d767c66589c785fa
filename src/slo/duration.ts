/**
 * Prometheus-style durations: `30s`, `5m`, `1h30m`, `28d`, `4w`, `1y`, `250ms`.
 * Units and their order follow the Prometheus duration grammar (y, w, d, h, m, s, ms; each at most once,
 * largest first). A year is 365 days, as in Prometheus.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;
export const YEAR = 365 * DAY;

const UNITS: readonly (readonly [string, number])[] = [
  ['y', YEAR],
  ['w', WEEK],
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds of a Prometheus duration, or undefined when the text is not one (or is empty/zero-length text). */
export function parseDuration(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const match = DURATION_RE.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const part = match[i + 1];
    if (part !== undefined) total += Number(part) * (UNITS[i]?.[1] ?? 0);
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Formats like Prometheus `model.Duration.String()`: years and weeks only when they divide exactly
 * (so 30d stays `30d` while 28d is `4w` and 7d is `1w`), then d, h, m, s, ms. Sloth names its recording
 * rules with this formatter (`slo:sli_error:ratio_rate4w`), so rule export must use it too.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const exactOnly = unit === 'y' || unit === 'w';
    if (exactOnly && rest % size !== 0) continue;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

export const DURATION_HINT = 'write a Prometheus duration such as 30s, 5m, 1h, 1h30m, 28d or 4w';
