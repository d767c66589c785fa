import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { Dispatcher } from '../src/notify/dispatcher.js';
import type { Notifier } from '../src/notify/notifier.js';
import { Outbox, routerFor } from '../src/notify/outbox.js';
import { PagerDutyConfig, pagerDutyNotifier } from '../src/notify/pagerduty/index.js';
import { PagerDutyAgent, pagerDutyTlsContext, postEventOnce } from '../src/notify/pagerduty/transport.js';
import { buildRouteTree } from '../src/routing/route.js';
import { DAY, HOUR, MINUTE } from '../src/slo/duration.js';
import type { Slo } from '../src/slo/model.js';
import { catalogForPeriod, tiersFromCatalog } from '../src/slo/windows.js';
import { openDb } from '../src/store/db.js';
import { OutboxStore } from '../src/store/outbox.js';
import { counter, FakeMetrics } from './support/fake-metrics.js';
import { startPagerDutyEmulator } from './support/pagerduty-emulator.js';
import { sloModel } from './support/slo-model.js';
import type { PagerDutyEmulator } from './support/pagerduty-emulator.js';
import { sharedTestPki } from './support/tls.js';
import { silentLogger as quiet } from './support/logger.js';

/**
 * An upgrade while a page is open: an earlier release triggered the PagerDuty incident under its dedup_key
 * format (`<slo>/<instance JSON>/<severity>`: `checkout-availability/{}/page`) and stored the key PagerDuty
 * answered in the outbox. After the upgrade the same database goes on with this release's engine, outbox,
 * dispatcher and PagerDuty notifier: the reminders re-trigger and the resolve closes that same incident;
 * no incident is opened under the new key and nothing stays open.
 */

const T0 = Date.parse('2026-11-20T00:00:00Z');
const SLOT = 60_000;
const ROUTING_KEY = 'R0UT1NGK3Ysecret0123456789abcdef';
const LEGACY_KEY = 'checkout-availability/{}/page';

const slo: Slo = sloModel(
  {
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: 'http_requests_total{service="checkout",code="500"}' },
      total: { kind: 'selector', selector: 'http_requests_total{service="checkout"}' },
    },
  },
  { tiers: tiersFromCatalog(catalogForPeriod(30 * DAY), 30 * DAY).filter((t) => t.severity === 'page'), ticket: { enabled: false, labels: {}, annotations: {} } },
);

/** 10 requests/s, half of them failing from T0 to T0 + 10 min. */
function source(): FakeMetrics {
  const share = (t: number): number => (t > T0 && t <= T0 + 10 * MINUTE ? 0.5 : 0);
  return new FakeMetrics([
    counter({ __name__: 'http_requests_total', service: 'checkout', code: '200' }, (t) => 10 * (1 - share(t)), { startMs: T0 - 8 * HOUR }),
    counter({ __name__: 'http_requests_total', service: 'checkout', code: '500' }, (t) => 10 * share(t), { startMs: T0 - 8 * HOUR }),
  ]);
}

let emulator: PagerDutyEmulator;
const dir = mkdtempSync(join(tmpdir(), 'burnwatch-pd-upgrade-'));

beforeEach(async () => {
  emulator = await startPagerDutyEmulator();
});
afterEach(async () => {
  await emulator.close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The earlier release's PagerDuty notifier as far as the key goes: triggers under `<alertKey>`, returns it. */
const earlierRelease: Notifier = {
  kind: 'pagerduty',
  name: 'pagerduty',
  async send(n, context) {
    const event = { routing_key: ROUTING_KEY, event_action: n.status === 'firing' ? 'trigger' : 'resolve', dedup_key: n.alertKey, payload: { summary: n.slo.id, source: 'burnwatch', severity: 'critical' } };
    const answer = await postEventOnce(event, { server: emulator.host, timeoutMs: 5000, signal: context.signal, agent: new PagerDutyAgent(pagerDutyTlsContext(sharedTestPki().caCert)) });
    return answer.kind === 'answer' && answer.status === 202 ? { ok: true, externalRef: n.alertKey } : { ok: false, retryable: true, reason: 'other', error: new Error('not accepted') };
  },
};

function thisRelease(): Notifier {
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sharedTestPki().caCert);
  const config = PagerDutyConfig.parse({ routingKey: { env: 'PD_KEY' }, eventsHost: emulator.host, caFile, timeoutMs: 5000 });
  return pagerDutyNotifier.create('pagerduty', config, { secrets: () => ROUTING_KEY, logger: quiet });
}

/** One process on the database: engine, outbox, dispatcher, stepping slots from `fromMs` to `toMs`. */
async function run(dbPath: string, notifier: Notifier, fromMs: number, toMs: number): Promise<void> {
  const db = openDb(dbPath);
  const store = new OutboxStore(db);
  const route = buildRouteTree({ receiver: 'pagerduty', groupWaitMs: 0, repeatIntervalMs: 5 * MINUTE });
  const outbox = new Outbox(store, routerFor(route, () => 'pagerduty'));
  let now = fromMs;
  const dispatcher = new Dispatcher({ store, notifiers: () => new Map([['pagerduty', notifier]]), now: () => now, random: () => 0.5, logger: quiet });
  const engine = new Engine({ source: source(), db, logger: quiet, sink: outbox }, { slotMs: SLOT, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: 6 * HOUR });
  engine.setSlos([slo], fromMs);
  for (let t = fromMs; t <= toMs; t += SLOT) {
    now = t;
    await engine.ingest(t);
    engine.evaluateAt(t);
    await dispatcher.pass();
  }
  expect(store.stats()).toMatchObject({ pending: 0, dead: 0 });
  db.close();
}

describe('upgrade with a page open in PagerDuty', () => {
  it('re-triggers and resolves the incident under the key the earlier release stored, opening none under the new key', async () => {
    const dbPath = join(dir, 'burnwatch.db');
    // The earlier release pages (about 2 minutes into the outage) and is stopped while the page is open.
    await run(dbPath, earlierRelease, T0 - 10 * MINUTE, T0 + 5 * MINUTE);
    expect(emulator.incidents.map((i) => [i.dedupKey, i.status])).toEqual([[LEGACY_KEY, 'triggered']]);
    const before = emulator.requests.length;

    // This release takes over: reminders every 5 minutes while it burns, then the resolve (~40 min after T0).
    await run(dbPath, thisRelease(), T0 + 6 * MINUTE, T0 + 60 * MINUTE);
    const after = emulator.requests.slice(before).map((r) => r.json as { event_action: string; dedup_key: string });
    expect(after.filter((e) => e.event_action === 'trigger').length).toBeGreaterThanOrEqual(1);
    expect(after.at(-1)).toMatchObject({ event_action: 'resolve' });
    expect(new Set(after.map((e) => e.dedup_key))).toEqual(new Set([LEGACY_KEY]));
    expect(emulator.incidents.map((i) => [i.dedupKey, i.status])).toEqual([[LEGACY_KEY, 'resolved']]);
  });

  it('pages a new episode under the new key', async () => {
    const dbPath = join(dir, 'fresh.db');
    await run(dbPath, thisRelease(), T0 - 10 * MINUTE, T0 + 60 * MINUTE);
    expect(emulator.incidents.map((i) => [i.dedupKey, i.status])).toEqual([['checkout-availability/page', 'resolved']]);
  });
});
