import { describe, expect, it } from 'vitest';
import { openDb } from './db.js';
import { labelsKey } from '../slo/labels.js';
import { Ledger } from './ledger.js';

/**
 * The ledger keeps cumulative sums per slot and thins old rows (every slot for 7 h, 5-minute rows to 73 h,
 * hourly rows beyond). Every expected figure below is counted by hand from a steady stream: one row per
 * 30 s slot from midnight, 10 events per slot of which 1 is bad, for 80 hours.
 */

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SLOT = 30_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SLOTS_PER_HOUR = HOUR / SLOT; // 120
const NOW = T0 + 80 * HOUR;

function steadyLedger(): { ledger: Ledger; id: number } {
  const ledger = new Ledger(openDb(':memory:'));
  const { id } = ledger.instance('checkout', {}, T0);
  for (let t = T0 + SLOT; t <= NOW; t += SLOT) ledger.append(id, t, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
  return { ledger, id };
}

describe('ledger thinning', () => {
  it('keeps every slot for 7 hours, 5-minute rows up to 73 hours and hourly rows beyond', () => {
    const { ledger } = steadyLedger();
    expect(ledger.rowCount()).toBe(80 * SLOTS_PER_HOUR); // 9,600 before thinning
    ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
    // fine: slots in [now-7h, now]: 7 x 120 + 1 = 841; medium: 5-minute boundaries in [now-73h, now-7h): 66 x 12 = 792;
    // coarse: hourly boundaries in [T0+1h, now-73h = T0+7h): T0+1h .. T0+6h = 6.
    expect(ledger.rowCount('checkout')).toBe(841 + 792 + 6);
  });

  it('expires rows beyond the retention but keeps the newest older row as the base of the oldest window', () => {
    const { ledger, id } = steadyLedger();
    ledger.rollup(NOW, new Map([['checkout', 10 * HOUR]]));
    // Rows at or after now-10h stay (fine 841 + 5-minute rows in [now-10h, now-7h): 3 x 12 = 36), plus the base row
    // just before the cut (the 5-minute row at now-10h-5m).
    expect(ledger.rowCount('checkout')).toBe(841 + 36 + 1);
    expect(ledger.sums(id, NOW).window(10 * HOUR)).toMatchObject({ bad: 10 * SLOTS_PER_HOUR, total: 100 * SLOTS_PER_HOUR });
  });
});

describe('ledger window sums', () => {
  it('counts a window exactly from two rows while all rows are kept', () => {
    const { ledger, id } = steadyLedger();
    const sums = ledger.sums(id, NOW);
    expect(sums.window(HOUR)).toEqual({ bad: 120, total: 1200, sliceBad: 0, slices: 0, dataSlots: 120 });
    expect(sums.window(80 * HOUR)).toEqual({ bad: 9600, total: 96000, sliceBad: 0, slices: 0, dataSlots: 9600 });
  });

  it('interpolates a window edge that falls between two hourly rows', () => {
    const { ledger, id } = steadyLedger();
    ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
    // From T0+2h30m (exclusive) to now: 77.5 h x 120 slots. The kept rows around the edge are T0+2h and T0+3h;
    // without interpolation the floor row (T0+2h) would add 60 slots.
    const sum = ledger.sums(id, NOW).since(T0 + 2.5 * HOUR);
    expect(sum.total).toBeCloseTo(77.5 * 120 * 10, 6);
    expect(sum.bad).toBeCloseTo(77.5 * 120, 6);
    expect(sum.dataSlots).toBe(77.5 * 120);
  });

  it('interpolates a window edge that falls between two 5-minute rows', () => {
    const { ledger, id } = steadyLedger();
    ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
    // 72 h 2.5 min back from now is T0+7h57.5m, between the 5-minute rows T0+7h55m and T0+8h00m.
    const sum = ledger.sums(id, NOW).window(72 * HOUR + 150_000);
    expect(sum.total).toBeCloseTo((72 * 120 + 5) * 10, 6);
  });

  it('gives the same sums at kept boundaries before and after thinning', () => {
    const { ledger, id } = steadyLedger();
    const edges = [T0 + HOUR, T0 + 6 * HOUR, T0 + 10 * HOUR, NOW - 8 * HOUR, NOW - HOUR];
    const before = edges.map((e) => ledger.sums(id, NOW).since(e));
    ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
    expect(edges.map((e) => ledger.sums(id, NOW).since(e))).toEqual(before);
  });

  it('replaces a replayed slot on top of the row before it and ignores slots older than the newest', () => {
    const ledger = new Ledger(openDb(':memory:'));
    const { id } = ledger.instance('checkout', { route: '/pay' }, T0);
    ledger.append(id, T0 + SLOT, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
    ledger.append(id, T0 + 2 * SLOT, { bad: 5, total: 10, sliceBad: 0, slices: 0, data: true });
    ledger.append(id, T0 + 2 * SLOT, { bad: 2, total: 10, sliceBad: 0, slices: 0, data: true });
    ledger.append(id, T0 + SLOT, { bad: 100, total: 100, sliceBad: 0, slices: 0, data: true });
    expect(ledger.sums(id, T0 + 2 * SLOT).window(HOUR)).toMatchObject({ bad: 3, total: 20, dataSlots: 2 });
  });

  it('only counts rows up to the evaluation instant', () => {
    const { ledger, id } = steadyLedger();
    expect(ledger.sums(id, T0 + HOUR).window(HOUR)).toMatchObject({ bad: 120, total: 1200 });
  });
});

describe('ledger instances and cursors', () => {
  it('keeps one instance per SLO and label set, whatever the order of the labels, from its first slot', () => {
    const db = openDb(':memory:');
    const ledger = new Ledger(db);
    const a = ledger.instance('checkout', { route: '/a', code: '5xx' }, T0 + SLOT);
    const cases: readonly (readonly [string, Record<string, string>, number, boolean])[] = [
      // SLO, labels, slot asked at, the same instance as `a`?
      ['checkout', { code: '5xx', route: '/a' }, T0 + 9 * SLOT, true],
      ['checkout', { route: '/a' }, T0, false],
      ['payments', { route: '/a', code: '5xx' }, T0, false],
    ];
    for (const [slo, labels, at, same] of cases) expect(ledger.instance(slo, labels, at).id === a.id).toBe(same);
    // A second ledger on the same database (a restart) finds it, with the slot it was created at.
    expect(new Ledger(db).instance('checkout', { code: '5xx', route: '/a' }, T0 + HOUR)).toMatchObject({ id: a.id, createdSlotMs: T0 + SLOT });
    expect(ledger.instancesOf('checkout').map((i) => [i.key, i.labels])).toEqual([
      ['{"code":"5xx","route":"/a"}', { code: '5xx', route: '/a' }],
      ['{"route":"/a"}', { route: '/a' }],
    ]);
  });

  it('keeps the first slot of a cursor when it moves on, and drops an SLO with its instances and rows', () => {
    const ledger = new Ledger(openDb(':memory:'));
    ledger.setCursor('checkout', 'f1', T0, T0 + SLOT);
    ledger.setCursor('checkout', 'f2', T0 + HOUR, T0 + 2 * SLOT);
    ledger.setCursor('payments', 'f1', T0, T0 + SLOT);
    expect(ledger.cursor('checkout')).toEqual({ fingerprint: 'f2', firstSlotMs: T0, lastSlotMs: T0 + 2 * SLOT });
    expect(ledger.cursor('unknown')).toBeUndefined();
    const { id } = ledger.instance('checkout', {}, T0);
    ledger.append(id, T0 + SLOT, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
    ledger.dropSlo('checkout');
    expect([ledger.cursor('checkout'), ledger.instancesOf('checkout'), ledger.rowCount('checkout'), ledger.sloIds()]).toEqual([undefined, [], 0, ['payments']]);
    // A new instance after the drop starts from nothing.
    const again = ledger.instance('checkout', {}, T0 + HOUR);
    ledger.append(again.id, T0 + HOUR + SLOT, { bad: 2, total: 20, sliceBad: 0, slices: 0, data: true });
    expect(ledger.sums(again.id, T0 + HOUR + SLOT).window(DAY)).toMatchObject({ bad: 2, total: 20, dataSlots: 1 });
  });

  it('lists the cumulative rows of a span with the kept row before it and the one after it', () => {
    const { ledger, id } = steadyLedger();
    const rows = ledger.cumulativeRows(id, T0 + 10 * SLOT + 1, T0 + 12 * SLOT - 1);
    // Rows at slots 10, 11 and 12 (slot n holds n bad and 10 n total events).
    expect(rows.map((r) => [(r.slotMs - T0) / SLOT, r.sum.bad, r.sum.total])).toEqual([[10, 10, 100], [11, 11, 110], [12, 12, 120]]);
  });

  it('forgets rows a rolled-back transaction cached: the next append goes on from what is stored', () => {
    const db = openDb(':memory:');
    const ledger = new Ledger(db);
    const { id } = ledger.instance('checkout', {}, T0);
    ledger.append(id, T0 + SLOT, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
    expect(() => db.transaction(() => {
      ledger.append(id, T0 + 2 * SLOT, { bad: 5, total: 10, sliceBad: 0, slices: 0, data: true });
      throw new Error('the rest of the write failed');
    })()).toThrow('the rest of the write failed');
    ledger.resetCache();
    ledger.append(id, T0 + 3 * SLOT, { bad: 2, total: 10, sliceBad: 0, slices: 0, data: true });
    expect(ledger.sums(id, T0 + 3 * SLOT).window(HOUR)).toMatchObject({ bad: 3, total: 20, dataSlots: 2 });
  });
});

describe('labelsKey', () => {
  it('is the same text whatever the order of the labels', () => {
    expect(labelsKey({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(labelsKey({ a: '1', b: '2' })).toBe(labelsKey({ b: '2', a: '1' }));
  });
});
