import { openDb } from '../src/store/db.js';
import { Ledger } from '../src/store/ledger.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

/**
 * The SQLite ledger called directly and through the asynchronous Store boundary: appends (30 days of 30 s
 * slots for one instance, one transaction) and window reads (the five starts of a default evaluation).
 * `tsx bench/store-boundary.ts`.
 */

const SLOT = 30_000;
const SLOTS = 30 * 2880;
const READS = 20_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const inc = { bad: 1, total: 10, sliceBad: 0, slices: 0, data: true };
const starts = (at: number): number[] => [at - 300_000, at - 1_800_000, at - 3_600_000, at - 21_600_000, at - 86_400_000];

function direct(): { append: number; read: number } {
  const db = openDb(':memory:');
  const ledger = new Ledger(db);
  const { id } = ledger.instance('s', {}, T0);
  let t = performance.now();
  db.transaction(() => {
    for (let i = 1; i <= SLOTS; i++) ledger.append(id, T0 + i * SLOT, inc);
  })();
  const append = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < READS; i++) ledger.sumsSince(id, T0 + (SLOTS - (i % 1000)) * SLOT, starts(T0 + (SLOTS - (i % 1000)) * SLOT));
  return { append, read: performance.now() - t };
}

async function boundary(): Promise<{ append: number; read: number }> {
  const store = new SqliteStore(openDb(':memory:'), ':memory:');
  const { id } = await store.ledger.instance('s', {}, T0);
  let t = performance.now();
  await store.transaction(async (tx) => {
    for (let i = 1; i <= SLOTS; i++) await tx.ledger.append(id, T0 + i * SLOT, inc);
  });
  const append = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < READS; i++) await store.ledger.sumsSince(id, T0 + (SLOTS - (i % 1000)) * SLOT, starts(T0 + (SLOTS - (i % 1000)) * SLOT));
  return { append, read: performance.now() - t };
}

for (let round = 0; round < 3; round++) {
  const d = direct();
  const b = await boundary();
  const us = (ms: number, n: number): string => `${((ms * 1000) / n).toFixed(2)} us`;
  process.stdout.write(`round ${round}: append direct ${us(d.append, SLOTS)}, boundary ${us(b.append, SLOTS)}; read direct ${us(d.read, READS)}, boundary ${us(b.read, READS)}\n`);
}
