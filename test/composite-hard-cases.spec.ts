import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Child, CompositeRun } from './support/composite-scenario.js';
import { childFile, compareBudgets, compositeFile, runComposite, weightedHandBudget, weightedIncreaseExpr } from './support/composite-scenario.js';
import { hasBinary } from './support/prometheus.js';
import { between } from './support/scenarios.js';

/**
 * A composite SLO whose children have the hard cases of counters (the composite's budget is derived from the
 * children's ledgers, not queried): the catalogue restarts twice (counter resets), the payments API is not
 * scraped for 15 minutes in the middle of its outage (a scrape gap while its counters climb), and a batch
 * endpoint has a request every 2 minutes and a failure every 2 hours (low traffic, whole-numbered counters; weight
 * 1,000 so that it counts). At each check, the composite's budget left must equal the weighted figure counted by
 * hand from the samples the TSDB holds, and be within 0.001 of Prometheus's own increase() of the weighted sums.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2026, 10, 20);
const HISTORY_START = FROM - 2 * DAY;
const TO = FROM + 3 * HOUR;
const at = (h: number, m = 0): number => FROM + h * HOUR + m * MIN;
const OBJECTIVE = 99.5;
const PERIOD = 28 * DAY;
const every = (ms: number, from: number, to: number): number => Math.floor(to / ms) - Math.floor(from / ms);

const children: readonly Child[] = [
  { name: 'catalogue', weight: 1, rps: () => 20, errorShare: (t) => (between(t, at(0, 50), at(1, 5)) ? 0.05 : 0.0002), resets: [at(0, 40), at(2, 10)] },
  { name: 'payments', weight: 2, rps: () => 5, errorShare: (t) => (between(t, at(1), at(1, 30)) ? 1 : 0.0002), scraped: (t) => !between(t, at(1, 10), at(1, 25)) },
  { name: 'batch', weight: 1_000, events: (from, to) => ({ requests: every(2 * MIN, from, to), failed: every(2 * HOUR, from, to) }) },
];

const files = { ...Object.fromEntries(children.map((c) => [`${c.name}.yaml`, childFile(c)])), 'checkout-journey.yaml': compositeFile(children, OBJECTIVE) };
const handBudget = (t: number): number => weightedHandBudget(children, HISTORY_START, t, PERIOD, OBJECTIVE);

const haveProm = hasBinary('prometheus') && hasBinary('promtool');

describe.skipIf(!haveProm)('a composite SLO over children with resets, a scrape gap and low traffic, against a real Prometheus', () => {
  let run: CompositeRun | undefined;
  // Before and after each reset, inside and after the gap, and on the low-traffic child's failures.
  const checks = [at(0, 30), at(0, 41), at(0, 45), at(1, 12), at(1, 20), at(1, 26), at(1, 40), at(2, 11), at(2, 20), TO];

  beforeAll(async () => {
    run = await runComposite({ children, files, historyStart: HISTORY_START, fromMs: FROM, toMs: TO, checks });
  }, 600_000);

  afterAll(async () => {
    await run?.stop();
  });

  it('has the weighted budget counted by hand at every check, and Prometheus\'s increase() within 0.001', async () => {
    if (run === undefined) throw new Error('the composite did not run');
    const { table, off } = await compareBudgets(run, checks, handBudget, weightedIncreaseExpr(children, OBJECTIVE));
    console.log(`checkout-journey budget left (resets, gap, low traffic):\n${table}`);
    expect(off).toEqual([]);
    // The scenario bites: the gap hides payments' errors until the scrape after it, and the figures move.
    expect(handBudget(at(1, 26)) - handBudget(at(1, 20))).toBeLessThan(-0.05);
    expect(handBudget(at(0, 30)) - handBudget(TO)).toBeGreaterThan(0.1);
  });
});
