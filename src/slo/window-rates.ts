import { formatDuration } from './duration.js';
import type { TierObservation } from './evaluate.js';

/**
 * Burn rate per distinct tier window (`1h`, `5m`, ...), in the order the tiers list them. Tiers share
 * windows (6h is one tier's long and another's short window): a window keeps the first finite rate any tier
 * gives it. NaN when the window holds no events. Shared by the JSON API, `burnwatch evaluate` and /metrics.
 */
export function burnRatesByWindow(tiers: readonly Pick<TierObservation, 'longMs' | 'shortMs' | 'longBurnRate' | 'shortBurnRate'>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of tiers) {
    for (const [ms, rate] of [[t.longMs, t.longBurnRate], [t.shortMs, t.shortBurnRate]] as const) {
      const window = formatDuration(ms);
      if (!Number.isFinite(out.get(window) ?? NaN)) out.set(window, rate);
    }
  }
  return out;
}
