import { describe, expect, it } from 'vitest';
import { FakeMetrics } from '../../../test/support/fake-metrics.js';
import { shopSlo, shopTraffic } from '../../../test/support/status-page.js';
import { DAY, HOUR, MINUTE } from '../../slo/duration.js';
import { replayBacktest } from './backtest-replay.js';
import type { BacktestResult } from './backtest.js';
import { silentLogger } from '../../../test/support/logger.js';

/**
 * The status page's backtest over a Prometheus stand-in: 10 requests/s, half of them failing for 30 minutes
 * from A. The SLO is 99.9 % over 30 days with the SRE workbook's tiers (budget 0.1 %): page 14.4x over 1h
 * and 5m, 6x over 6h and 30m; ticket 3x over 1d and 2h, 1x over 3d and 6h. The expected times are worked
 * out by hand from those thresholds:
 * - the page fires when the 1h window's error ratio passes 1.44 %: 0.5 x t / 60 min > 0.0144 from t = 1.73
 *   min, the slot at A + 2 min (its 5 m window passed within seconds);
 * - it resolves when no page tier holds: the 30 m window of the 6h/30m tier stays above 0.6 % until the
 *   outage has left it, at A + 60 min;
 * - the ticket fires first: the replay's ledger starts 10 h before A (6 h of backfill before its start, 4 h
 *   before A), so the 3d window of the 3d/6h tier (1x: 0.1 %) passes 0.1 % once 5 t > 0.001 x (360,000 + 10 t)
 *   events, t > 72 s: the slot at A + 90 s (its 6h window passed at 43 s). Notified then, it stays one ticket
 *   while the page inhibits it, and resolves when the 6h window drops to 0.1 %:
 *   0.5 x (30 min - y) / 360 min <= 0.001 from y = 29.3 min after A + 6 h, about A + 6 h 30 m.
 */

const T = Date.parse('2026-03-10T12:00:00Z');
const A = T - 20 * HOUR;
const slo = shopSlo('checkout-availability');
const outage = (t: number): number => (t > A && t <= A + 30 * MINUTE ? 0.5 : 0);

async function backtest(source: FakeMetrics, signal = new AbortController().signal): Promise<BacktestResult> {
  const run = replayBacktest({ source, slotMs: 30_000, rateWindowMs: 120_000, maxBackfillMs: 6 * HOUR, logger: silentLogger });
  return run(slo, T - DAY, T, signal);
}

describe('the backtest of the status page', () => {
  it('finds the page and the ticket an outage raised, at the times the tiers give', async () => {
    const r = await backtest(new FakeMetrics(shopTraffic(slo.id, T - DAY - 8 * HOUR, outage)));
    expect([r.fromMs, r.toMs, r.stepMs, r.steps, r.stepsWithoutFigures]).toEqual([T - DAY, T, 30_000, 2 * 1440 + 1, 0]);
    const page = r.episodes.filter((e) => e.severity === 'page');
    const ticket = r.episodes.filter((e) => e.severity === 'ticket');
    expect(page).toHaveLength(1);
    expect(ticket).toHaveLength(1);
    expect((page[0]?.startMs ?? 0) - A).toBeGreaterThanOrEqual(90_000);
    expect((page[0]?.startMs ?? 0) - A).toBeLessThanOrEqual(3 * MINUTE);
    expect((page[0]?.endMs ?? 0) - A).toBeGreaterThanOrEqual(59 * MINUTE);
    expect((page[0]?.endMs ?? 0) - A).toBeLessThanOrEqual(61 * MINUTE);
    expect(ticket[0]?.startMs).toBe(A + 90_000);
    expect((ticket[0]?.endMs ?? 0) - A).toBeGreaterThanOrEqual(6 * HOUR + 25 * MINUTE);
    expect((ticket[0]?.endMs ?? 0) - A).toBeLessThanOrEqual(6 * HOUR + 35 * MINUTE);
    expect(r.instances).toEqual([{}]);
  });

  it('says how many steps had no figures when Prometheus failed, instead of reporting a quiet week', async () => {
    const source = new FakeMetrics(shopTraffic(slo.id, T - DAY - 8 * HOUR, outage));
    source.failWhen = () => Object.assign(new Error('Prometheus answered 503'), { kind: 'server_error' });
    const r = await backtest(source);
    expect(r.episodes).toEqual([]);
    expect(r.stepsWithoutFigures).toBe(r.steps);
    expect(r.problem).toContain('Prometheus answered 503');
  });

  it('stops when asked', async () => {
    const controller = new AbortController();
    controller.abort(new Error('burnwatch is stopping'));
    await expect(backtest(new FakeMetrics(shopTraffic(slo.id, T - DAY - 8 * HOUR, outage)), controller.signal)).rejects.toThrow('burnwatch is stopping');
  });
});
