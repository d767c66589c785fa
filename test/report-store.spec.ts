import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/io.js';
import { reportCommand } from '../src/cli/report.js';
import { loadSpecTexts } from '../src/formats/load.js';
import type { ReportDigest } from '../src/report/digest.js';
import type { JsonReport } from '../src/report/render-json.js';
import { DigestScheduler } from '../src/runtime/digests.js';
import { openDb } from '../src/store/db.js';
import { openPgStore } from '../src/store/postgres/pg-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { silentLogger } from './support/logger.js';
import { STORE_KINDS, storeUnavailable, useStores } from './support/stores.js';

/**
 * `burnwatch report` read from the daemon's database, SQLite or PostgreSQL, as the settings file names it: a
 * ledger and alert history written through the store as the daemon writes them,
 * then the report of one day. Every expected figure is counted by hand from the stream below.
 *
 * Stream: one row per 60 s slot for three days up to the range's end, 1,000 events per slot; 100 of them bad in
 * each slot of (10:00, 10:30] on the report's day, 5 in each slot of (T0 - 5 h, T0 - 4 h] before it. The page
 * fired at 10:02 and resolved at 10:40; an earlier one (before the range) does not count. The daemon's weekly
 * digest of that week is built from the same store and queued in its outbox, once.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const END = T0 + DAY;

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: shop-availability, service: shop }
spec:
  objective: 99
  period: 1d
  indicator:
    events:
      errors: shop_requests_total{code="500"}
      total: shop_requests_total
  alerting:
    minEvents: 0
    exhaustion: { disabled: true }
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function writeHistory(store: Store): Promise<void> {
  const inst = await store.ledger.instance('shop-availability', {}, T0 - 2 * DAY + MIN);
  const slots = [];
  for (let t = T0 - 2 * DAY + MIN; t <= END; t += MIN) {
    const bad = t > T0 + 10 * HOUR && t <= T0 + 10.5 * HOUR ? 100 : t > T0 - 5 * HOUR && t <= T0 - 4 * HOUR ? 5 : 0;
    slots.push({ slotMs: t, inc: { bad, total: 1000, sliceBad: 0, slices: 0, data: true } });
  }
  await store.ledger.appendAll(inst.id, slots);
  await store.ledger.setCursor('shop-availability', 'fp', T0 - 2 * DAY + MIN, END);
  const key = 'shop-availability/{}/page';
  for (const [atMs, from, to] of [[T0 - 4.5 * HOUR, 'inactive', 'firing'], [T0 - 3 * HOUR, 'firing', 'inactive'], [T0 + 10 * HOUR + 2 * MIN, 'inactive', 'firing'], [T0 + 10 * HOUR + 40 * MIN, 'firing', 'inactive']] as const) {
    await store.alerts.record({ alertKey: key, sloId: 'shop-availability', atMs, from, to });
  }
}

async function report(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd, env, now: () => new Date(END + HOUR) };
  const code = await reportCommand(args, io);
  return { code, out, err };
}

describe.each(STORE_KINDS)('report from the database of the settings file (%s)', (kind) => {
  const stores = useStores(kind);

  it.skipIf(storeUnavailable(kind) !== undefined)('reports the day by hand: the budget spent, the SLI, the page and what it cost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-report-store-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'shop.yaml'), SLO);
    let store: Store;
    if (kind === 'sqlite') {
      writeFileSync(join(dir, 'burnwatch.yaml'), 'database: { path: ./bw.db }\n');
      store = new SqliteStore(openDb(join(dir, 'bw.db')), join(dir, 'bw.db'));
    } else {
      const url = await stores.newDatabaseUrl();
      writeFileSync(join(dir, 'burnwatch.yaml'), `database: { url: "${url}", password: { env: BW_DB_PASSWORD } }\n`);
      store = await openPgStore({ url });
    }
    try {
      await writeHistory(store);
    } finally {
      await store.close();
    }
    const r = await report(['--slos', join(dir, 'shop.yaml'), '--from', new Date(T0).toISOString(), '--to', new Date(END).toISOString(), '--format', 'json'], dir, { BURNWATCH_CONFIG: 'burnwatch.yaml', BW_DB_PASSWORD: 'pw' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as JsonReport;
    expect(json.source).toEqual(kind === 'sqlite' ? `database ${join(dir, 'bw.db')}` : expect.stringMatching(/^database postgres:\/\/127\.0\.0\.1:\d+\/burnwatch_test_/));
    const [slo] = json.slos;
    // 1,440 slots x 1,000 events; 30 slots x 100 bad. Budget of the range: 1 % of 1,440,000 = 14,400.
    expect(slo).toMatchObject({ id: 'shop-availability', total: 1_440_000, good: 1_440_000 - 3_000 });
    expect(slo?.sli).toBeCloseTo(1 - 3_000 / 1_440_000, 12);
    expect(slo?.budgetSpent).toBeCloseTo(3_000 / 14_400, 12);
    // The rolling day at the range's end is the range itself.
    expect(slo?.budgetRemaining).toBeCloseTo(1 - 3_000 / 14_400, 9);
    // Fired 10:02, resolved 10:40: the 28 bad slots (10:02, 10:30] of it, 2,800 bad events.
    expect(slo?.pages.map((p) => [p.start, p.end, p.durationSeconds, p.resolved, p.startedBefore])).toEqual([['2026-11-20T10:02:00Z', '2026-11-20T10:40:00Z', 38 * 60, true, false]]);
    expect(slo?.pages[0]?.budgetSpent).toBeCloseTo(2_800 / 14_400, 9);
    expect(slo?.pageMttrSeconds).toBe(38 * 60);
    // Four hours into the range, the rolling day still holds the 300 bad events of the night before.
    const at4h = slo?.timeline.points.find((p) => p.at === '2026-11-20T04:00:00Z');
    expect(at4h?.budgetRemaining).toBeCloseTo(1 - 300 / 14_400, 6);
  }, 120_000);
});

describe.each(STORE_KINDS)('weekly digest from the daemon\'s store (%s)', (kind) => {
  const stores = useStores(kind);

  it.skipIf(storeUnavailable(kind) !== undefined)('queues the digest of the week on Monday at 09:00 with the page of Friday, once', async () => {
    const store = await stores.open();
    await writeHistory(store);
    const loaded = loadSpecTexts([{ file: 'shop.yaml', text: SLO }]);
    const slos = loaded.slos;
    expect(slos.map((s) => s.id)).toEqual(['shop-availability']);
    let woken = 0;
    const digests = new DigestScheduler([{ name: 'weekly-slo', every: 'week', timezone: 'UTC', at: '09:00', receiver: 'reports', groupBy: 'service' }], { store, slos: () => slos, wake: () => { woken++; }, logger: silentLogger });
    const monday = Date.parse('2026-11-23T09:00:00Z');
    expect(await digests.check(monday - MIN)).toBe(0);
    expect(await digests.check(monday)).toBe(1);
    expect(await digests.check(monday + MIN)).toBe(0);
    expect(woken).toBe(1);
    const rows = await store.outbox.due(monday + MIN, 10);
    expect(rows.map((r) => [r.kind, r.receiver])).toEqual([['digest', 'reports']]);
    const digest = (rows[0] as { digest: ReportDigest }).digest;
    expect(digest.title).toBe('SLO weekly report: week of 2026-11-16');
    // The week holds the ledger's three days, (Nov 18 00:00, Nov 21 00:00]: 300 + 3,000 bad of 4,320,000 events;
    // both pages, the one of Thursday night (19:30 to 21:00) too.
    expect(digest.slos.map((s) => [s.id, s.total, s.good, s.pages.map((p) => [p.start, p.end])])).toEqual([
      ['shop-availability', 4_320_000, 4_320_000 - 3_300, [['2026-11-19T19:30:00Z', '2026-11-19T21:00:00Z'], ['2026-11-20T10:02:00Z', '2026-11-20T10:40:00Z']]],
    ]);
    expect(digest.warnings).toContain('shop-availability: the database\'s ledger ends at 2026-11-21T00:00:00Z: nothing after it is counted');
  }, 120_000);
});
