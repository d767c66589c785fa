import { describe, expect, it } from 'vitest';
import { STORE_KINDS, storeUnavailable, useStores } from '../../test/support/stores.js';
import type { WindowSum } from '../slo/evaluate.js';
import { labelsKey } from '../slo/labels.js';
import { ledgerSumsFromRows } from './ledger.js';
import type { LedgerStore } from './store.js';

/**
 * The ledger keeps cumulative sums per slot and thins old rows (every slot for 7 h, 5-minute rows to 73 h,
 * hourly rows beyond). Every expected figure below is counted by hand from a steady stream: one row per
 * 30 s slot from midnight, 10 events per slot of which 1 is bad, for 80 hours. Both stores (SQLite and
 * PostgreSQL) run the same cases.
 */

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SLOT = 30_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SLOTS_PER_HOUR = HOUR / SLOT; // 120
const NOW = T0 + 80 * HOUR;

/** The sums of an instance over (startMs, atMs]. */
async function since(ledger: LedgerStore, id: number, atMs: number, startMs: number): Promise<WindowSum> {
  const sum = (await ledger.sumsSince(id, atMs, [startMs])).get(startMs);
  if (sum === undefined) throw new Error(`no sums since ${startMs}`);
  return sum;
}

const window = (ledger: LedgerStore, id: number, atMs: number, ms: number): Promise<WindowSum> => since(ledger, id, atMs, atMs - ms);

describe.each(STORE_KINDS)('ledger (%s)', (kind) => {
  const stores = useStores(kind);
  const skip = storeUnavailable(kind);

  async function steadyLedger(): Promise<{ ledger: LedgerStore; id: number }> {
    const store = await stores.open();
    const { id } = await store.ledger.instance('checkout', {}, T0);
    const slots = [];
    for (let t = T0 + SLOT; t <= NOW; t += SLOT) slots.push({ slotMs: t, inc: { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true } });
    await store.ledger.appendAll(id, slots);
    return { ledger: store.ledger, id };
  }

  describe.skipIf(skip !== undefined)('ledger thinning', () => {
    it('keeps every slot for 7 hours, 5-minute rows up to 73 hours and hourly rows beyond', async () => {
      const { ledger } = await steadyLedger();
      expect(await ledger.rowCount()).toBe(80 * SLOTS_PER_HOUR); // 9,600 before thinning
      await ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
      // fine: slots in [now-7h, now]: 7 x 120 + 1 = 841; medium: 5-minute boundaries in [now-73h, now-7h): 66 x 12 = 792;
      // coarse: hourly boundaries in [T0+1h, now-73h = T0+7h): T0+1h .. T0+6h = 6.
      expect(await ledger.rowCount('checkout')).toBe(841 + 792 + 6);
    });

    it('expires rows beyond the retention but keeps the newest older row as the base of the oldest window', async () => {
      const { ledger, id } = await steadyLedger();
      await ledger.rollup(NOW, new Map([['checkout', 10 * HOUR]]));
      // Rows at or after now-10h stay (fine 841 + 5-minute rows in [now-10h, now-7h): 3 x 12 = 36), plus the base row
      // just before the cut (the 5-minute row at now-10h-5m).
      expect(await ledger.rowCount('checkout')).toBe(841 + 36 + 1);
      expect(await window(ledger, id, NOW, 10 * HOUR)).toMatchObject({ bad: 10 * SLOTS_PER_HOUR, total: 100 * SLOTS_PER_HOUR });
    });
  });

  describe.skipIf(skip !== undefined)('ledger window sums', () => {
    it('counts a window exactly from two rows while all rows are kept', async () => {
      const { ledger, id } = await steadyLedger();
      const sums = await ledger.sumsSince(id, NOW, [NOW - HOUR, NOW - 80 * HOUR]);
      expect(sums.get(NOW - HOUR)).toEqual({ bad: 120, total: 1200, sliceBad: 0, slices: 0, dataSlots: 120 });
      expect(sums.get(NOW - 80 * HOUR)).toEqual({ bad: 9600, total: 96000, sliceBad: 0, slices: 0, dataSlots: 9600 });
    });

    it('interpolates a window edge that falls between two hourly rows', async () => {
      const { ledger, id } = await steadyLedger();
      await ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
      // From T0+2h30m (exclusive) to now: 77.5 h x 120 slots. The kept rows around the edge are T0+2h and T0+3h;
      // without interpolation the floor row (T0+2h) would add 60 slots.
      const sum = await since(ledger, id, NOW, T0 + 2.5 * HOUR);
      expect(sum.total).toBeCloseTo(77.5 * 120 * 10, 6);
      expect(sum.bad).toBeCloseTo(77.5 * 120, 6);
      expect(sum.dataSlots).toBe(77.5 * 120);
    });

    it('interpolates a window edge that falls between two 5-minute rows', async () => {
      const { ledger, id } = await steadyLedger();
      await ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
      // 72 h 2.5 min back from now is T0+7h57.5m, between the 5-minute rows T0+7h55m and T0+8h00m.
      const sum = await window(ledger, id, NOW, 72 * HOUR + 150_000);
      expect(sum.total).toBeCloseTo((72 * 120 + 5) * 10, 6);
    });

    it('gives the same sums at kept boundaries before and after thinning', async () => {
      const { ledger, id } = await steadyLedger();
      const edges = [T0 + HOUR, T0 + 6 * HOUR, T0 + 10 * HOUR, NOW - 8 * HOUR, NOW - HOUR];
      const before = await ledger.sumsSince(id, NOW, edges);
      await ledger.rollup(NOW, new Map([['checkout', 31 * 24 * HOUR]]));
      expect(await ledger.sumsSince(id, NOW, edges)).toEqual(before);
    });

    it('replaces a replayed slot on top of the row before it and ignores slots older than the newest', async () => {
      const { ledger } = await stores.open();
      const { id } = await ledger.instance('checkout', { route: '/pay' }, T0);
      await ledger.append(id, T0 + SLOT, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
      await ledger.append(id, T0 + 2 * SLOT, { bad: 5, total: 10, sliceBad: 0, slices: 0, data: true });
      await ledger.append(id, T0 + 2 * SLOT, { bad: 2, total: 10, sliceBad: 0, slices: 0, data: true });
      await ledger.append(id, T0 + SLOT, { bad: 100, total: 100, sliceBad: 0, slices: 0, data: true });
      expect(await window(ledger, id, T0 + 2 * SLOT, HOUR)).toMatchObject({ bad: 3, total: 20, dataSlots: 2 });
    });

    it('writes the same rows in one call as slot by slot, a replayed slot and an older one included', async () => {
      const one = (await stores.open()).ledger;
      const all = (await stores.open()).ledger;
      const a = await one.instance('checkout', {}, T0);
      const b = await all.instance('checkout', {}, T0);
      const inc = (bad: number) => ({ bad, total: 10, sliceBad: 0, slices: 0, data: true });
      const first = [{ slotMs: T0 + SLOT, inc: inc(1) }, { slotMs: T0 + 2 * SLOT, inc: inc(5) }];
      const second = [{ slotMs: T0 + 2 * SLOT, inc: inc(2) }, { slotMs: T0 + SLOT, inc: inc(100) }, { slotMs: T0 + 3 * SLOT, inc: inc(4) }];
      for (const s of [...first, ...second]) await one.append(a.id, s.slotMs, s.inc);
      await all.appendAll(b.id, first);
      await all.appendAll(b.id, second);
      const rows = async (l: LedgerStore, id: number) => (await l.cumulativeRows(id, T0, T0 + HOUR)).map((r) => [(r.slotMs - T0) / SLOT, r.sum.bad, r.sum.total]);
      // Slot 1: 1 bad; slot 2 replayed: 1 + 2; slot 1 again ignored; slot 3: 3 + 4.
      expect(await rows(one, a.id)).toEqual([[1, 1, 10], [2, 3, 20], [3, 7, 30]]);
      expect(await rows(all, b.id)).toEqual(await rows(one, a.id));
    });

    it('only counts rows up to the evaluation instant', async () => {
      const { ledger, id } = await steadyLedger();
      expect(await window(ledger, id, T0 + HOUR, HOUR)).toMatchObject({ bad: 120, total: 1200 });
    });
  });

  describe.skipIf(skip !== undefined)('ledger instances and cursors', () => {
    it('keeps one instance per SLO and label set, whatever the order of the labels, from its first slot', async () => {
      const store = await stores.open();
      const { ledger } = store;
      const a = await ledger.instance('checkout', { route: '/a', code: '5xx' }, T0 + SLOT);
      const cases: readonly (readonly [string, Record<string, string>, number, boolean])[] = [
        // SLO, labels, slot asked at, the same instance as `a`?
        ['checkout', { code: '5xx', route: '/a' }, T0 + 9 * SLOT, true],
        ['checkout', { route: '/a' }, T0, false],
        ['payments', { route: '/a', code: '5xx' }, T0, false],
      ];
      for (const [slo, labels, at, same] of cases) expect((await ledger.instance(slo, labels, at)).id === a.id).toBe(same);
      // A second store on the same database (a restart, another replica) finds it, with the slot it was created at.
      expect(await (await stores.reopen(store)).ledger.instance('checkout', { code: '5xx', route: '/a' }, T0 + HOUR)).toMatchObject({ id: a.id, createdSlotMs: T0 + SLOT });
      expect((await ledger.instancesOf('checkout')).map((i) => [i.key, i.labels])).toEqual([
        ['{"code":"5xx","route":"/a"}', { code: '5xx', route: '/a' }],
        ['{"route":"/a"}', { route: '/a' }],
      ]);
    });

    it('keeps the first slot of a cursor when it moves on, and drops an SLO with its instances and rows', async () => {
      const { ledger } = await stores.open();
      await ledger.setCursor('checkout', 'f1', T0, T0 + SLOT);
      await ledger.setCursor('checkout', 'f2', T0 + HOUR, T0 + 2 * SLOT);
      await ledger.setCursor('payments', 'f1', T0, T0 + SLOT);
      expect(await ledger.cursor('checkout')).toEqual({ fingerprint: 'f2', firstSlotMs: T0, lastSlotMs: T0 + 2 * SLOT });
      expect(await ledger.cursor('unknown')).toBeUndefined();
      const { id } = await ledger.instance('checkout', {}, T0);
      await ledger.append(id, T0 + SLOT, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
      await ledger.dropSlo('checkout');
      expect([await ledger.cursor('checkout'), await ledger.instancesOf('checkout'), await ledger.rowCount('checkout'), await ledger.sloIds()]).toEqual([undefined, [], 0, ['payments']]);
      // A new instance after the drop starts from nothing.
      const again = await ledger.instance('checkout', {}, T0 + HOUR);
      await ledger.append(again.id, T0 + HOUR + SLOT, { bad: 2, total: 20, sliceBad: 0, slices: 0, data: true });
      expect(await window(ledger, again.id, T0 + HOUR + SLOT, DAY)).toMatchObject({ bad: 2, total: 20, dataSlots: 1 });
    });

    it('gives from rows read beforehand the sums the table gives, thinned or not, and the extent of an instance', async () => {
      const store = await stores.open();
      const { id } = await store.ledger.instance('checkout', {}, T0);
      // An uneven stream with a gap of two hours without rows, so that floors and interpolations differ.
      const slots = [];
      for (let t = T0 + SLOT, n = 1; t <= NOW; t += SLOT, n++) {
        if (t > T0 + 20 * HOUR && t <= T0 + 22 * HOUR) continue;
        slots.push({ slotMs: t, inc: { bad: n % 7, total: 10 + (n % 13), sliceBad: n % 2, slices: 1, data: true } });
      }
      await store.ledger.appendAll(id, slots);
      expect(await store.ledger.extent(id)).toEqual({ firstSlotMs: T0 + SLOT, lastSlotMs: NOW });
      expect(await store.ledger.extent(id + 1000)).toBeUndefined();
      for (const thinned of [false, true]) {
        if (thinned) await store.ledger.rollup(NOW, new Map([['checkout', 31 * DAY]]));
        for (const atMs of [NOW, NOW - 17_000, T0 + 21 * HOUR, T0 + 40 * HOUR + 45_000]) {
          const starts = [atMs - HOUR, atMs - 5 * HOUR - 7_000, atMs - 7 * HOUR, atMs - 26 * HOUR - 150_000, T0 + 2.5 * HOUR, T0 + 20.5 * HOUR, T0].filter((s) => s < atMs);
          const rows = await store.ledger.cumulativeRows(id, Math.min(...starts), NOW);
          const reader = ledgerSumsFromRows(rows, atMs);
          const fromTable = await store.ledger.sumsSince(id, atMs, starts);
          expect(new Map(starts.map((s) => [s, reader.since(s)]))).toEqual(fromTable);
        }
      }
    });

    it('lists the cumulative rows of a span with the kept row before it and the one after it', async () => {
      const { ledger, id } = await steadyLedger();
      const rows = await ledger.cumulativeRows(id, T0 + 10 * SLOT + 1, T0 + 12 * SLOT - 1);
      // Rows at slots 10, 11 and 12 (slot n holds n bad and 10 n total events).
      expect(rows.map((r) => [(r.slotMs - T0) / SLOT, r.sum.bad, r.sum.total])).toEqual([[10, 10, 100], [11, 11, 110], [12, 12, 120]]);
    });

    it('forgets rows a rolled-back transaction cached: the next append goes on from what is stored', async () => {
      const store = await stores.open();
      const { ledger } = store;
      const { id } = await ledger.instance('checkout', {}, T0);
      await ledger.append(id, T0 + SLOT, { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true });
      await expect(store.transaction(async (tx) => {
        await tx.ledger.append(id, T0 + 2 * SLOT, { bad: 5, total: 10, sliceBad: 0, slices: 0, data: true });
        throw new Error('the rest of the write failed');
      })).rejects.toThrow('the rest of the write failed');
      ledger.resetCache();
      await ledger.append(id, T0 + 3 * SLOT, { bad: 2, total: 10, sliceBad: 0, slices: 0, data: true });
      expect(await window(ledger, id, T0 + 3 * SLOT, HOUR)).toMatchObject({ bad: 3, total: 20, dataSlots: 2 });
    });
  });
});

describe('labelsKey', () => {
  it('is the same text whatever the order of the labels', () => {
    expect(labelsKey({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    expect(labelsKey({ a: '1', b: '2' })).toBe(labelsKey({ b: '2', a: '1' }));
  });
});
