import { describe, expect, it } from 'vitest';
import { openDb } from './db.js';
import { Ledger, LedgerValueError } from './ledger.js';
import type { SlotIncrement } from './ledger.js';

/** The ledger refuses a non-finite value instead of storing it: one bad row would spoil every window over it. */

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SLOT = 30_000;
const GOOD: SlotIncrement = { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true };

function refusal(fn: () => void): LedgerValueError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LedgerValueError) return err;
    throw err;
  }
  throw new Error('expected the ledger to refuse the value');
}

describe('ledger values', () => {
  const cases: readonly (readonly [string, Partial<SlotIncrement>])[] = [
    ['total +Inf', { total: Infinity }],
    ['bad -Inf', { bad: -Infinity }],
    ['bad NaN', { bad: NaN }],
    ['sliceBad NaN', { sliceBad: NaN }],
    ['slices +Inf', { slices: Infinity }],
  ];

  it.each(cases)('refuses %s, stores nothing and goes on from the last good row', (_name, over) => {
    const db = openDb(':memory:');
    const ledger = new Ledger(db);
    const { id } = ledger.instance('checkout', {}, T0);
    ledger.append(id, T0 + SLOT, GOOD);
    const err = refusal(() => ledger.append(id, T0 + 2 * SLOT, { ...GOOD, ...over }));
    const field = Object.keys(over)[0] ?? '';
    expect(err.message).toContain(field);
    expect(err.message).toContain(new Date(T0 + 2 * SLOT).toISOString());
    expect(err.inStoredRow).toBe(false);
    expect(ledger.rowCount()).toBe(1);
    ledger.append(id, T0 + 3 * SLOT, GOOD);
    expect(ledger.sums(id, T0 + 3 * SLOT).window(3 * SLOT)).toMatchObject({ bad: 2, total: 20 });
  });

  it('refuses to add to a row an earlier version stored as +Inf or -Inf, and says so', () => {
    // (NaN cannot have been stored: it binds as NULL, which the NOT NULL columns refuse.)
    for (const stored of ['9e999', '-9e999']) {
      const db = openDb(':memory:');
      const ledger = new Ledger(db);
      const { id } = ledger.instance('checkout', {}, T0);
      db.prepare(`INSERT INTO ledger (instance_id, slot_ms, bad, total, slice_bad, slices, data_slots) VALUES (?, ?, 0, ${stored}, 0, 0, 1)`).run(id, T0 + SLOT);
      const err = refusal(() => ledger.append(id, T0 + 2 * SLOT, GOOD));
      expect(err.inStoredRow, stored).toBe(true);
      expect(err.message).toMatch(/stored row/);
      expect(ledger.rowCount()).toBe(1);
    }
  });
});
