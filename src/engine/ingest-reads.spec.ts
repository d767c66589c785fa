import { describe, expect, it, vi } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import { silentLogger as quiet } from '../../test/support/logger.js';
import { sloModel } from '../../test/support/slo-model.js';
import { HOUR, MINUTE } from '../slo/duration.js';
import type { Budgeting, Slo } from '../slo/model.js';
import { openDb } from '../store/db.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { Engine } from './engine.js';
import { sqliteOf } from '../../test/support/sqlite-engine.js';

/**
 * What an ingest reads back from the ledger: each SLO's cursor once per cycle, however many steps a catch-up
 * writes, and no window sums while it writes (timeslice accounting works from the increments it writes).
 */

const T0 = Date.parse('2026-11-20T00:00:00Z');
const SLOT = 30_000;

function sloOf(id: string, budgeting: Budgeting): Slo {
  return sloModel({
    id,
    budgeting,
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: `http_requests_total{job="${id}",code="500"}` },
      total: { kind: 'selector', selector: `http_requests_total{job="${id}"}` },
    },
  });
}

function traffic(...ids: string[]): FakeMetrics {
  return new FakeMetrics(ids.flatMap((id) => [
    counter({ __name__: 'http_requests_total', job: id, code: '200' }, () => 9, { startMs: T0 - 100 * HOUR }),
    counter({ __name__: 'http_requests_total', job: id, code: '500' }, () => 1, { startMs: T0 - 100 * HOUR }),
  ]));
}

const SLOS = [
  sloOf('plain', { kind: 'occurrences' }),
  sloOf('sliced', { kind: 'timeslices', sliceMs: 5 * MINUTE, target: 0.95 }),
];

/** The SLO ids each call of `method` during `run` was for. */
async function readsDuring(engine: Engine, method: 'cursor', run: () => Promise<void>): Promise<string[]> {
  const spy = vi.spyOn(engine.ledger, method);
  try {
    await run();
    return spy.mock.calls.map(([id]) => id).sort();
  } finally {
    spy.mockRestore();
  }
}

describe('engine: what an ingest reads back from the ledger', () => {
  it('reads each SLO\'s cursor once in a catch-up that writes hourly, 5-minute and full-resolution steps', async () => {
    const engine = new Engine({ source: traffic('plain', 'sliced'), store: new SqliteStore(openDb(':memory:'), ':memory:'), logger: quiet }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 80 * HOUR });
    await engine.setSlos(SLOS, T0);
    expect(await readsDuring(engine, 'cursor', () => engine.ingest(T0))).toEqual(['plain', 'sliced']);
  });

  it('reads each SLO\'s cursor once per live cycle and no window sums, across slice boundaries', async () => {
    const engine = new Engine({ source: traffic('plain', 'sliced'), store: new SqliteStore(openDb(':memory:'), ':memory:'), logger: quiet }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 2 * HOUR });
    await engine.setSlos(SLOS, T0);
    await engine.ingest(T0);
    await engine.ingest(T0 + SLOT);
    const sums = vi.spyOn(engine.ledger, 'sumsSince');
    // 20 live slots of 30 s: two 5-minute slice boundaries.
    for (let t = T0 + 2 * SLOT; t <= T0 + 21 * SLOT; t += SLOT) {
      expect(await readsDuring(engine, 'cursor', () => engine.ingest(t))).toEqual(['plain', 'sliced']);
    }
    expect(sums).not.toHaveBeenCalled();
    // The slices were counted all the same: 10 % of requests fail, so both slices of (T0, T0 + 10 min] are bad.
    const inst = sqliteOf(engine).ledger.instancesOf('sliced')[0];
    const window = sqliteOf(engine).ledger.sums(inst?.id ?? -1, T0 + 10 * MINUTE).window(10 * MINUTE);
    expect([window.sliceBad, window.slices]).toEqual([2, 2]);
  });
});
