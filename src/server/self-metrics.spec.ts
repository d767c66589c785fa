import { register as globalRegister } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../store/outbox.js';
import type { Exposition } from './exposition.fixture.js';
import { parseExposition, seriesKey, seriesOf } from './exposition.fixture.js';
import { API, FakeView, fixtureStatuses, HEALTH, NOW } from './fake-view.fixture.js';
import { createSelfMetrics, instanceLabel, objectiveRatio } from './self-metrics.js';

async function scrape(view: FakeView, metrics = createSelfMetrics({ version: '1.2.3', now: () => NOW })): Promise<Exposition> {
  await metrics.collect(view);
  return parseExposition(await metrics.registry.metrics());
}

/** Expected series written from the metrics contract, as [labels, value]. */
type Expected = readonly (readonly [Record<string, string>, number])[];

function expectSeries(exposition: Exposition, name: string, expected: Expected): void {
  const want = new Map(expected.map(([labels, value]) => [seriesKey(labels), value]));
  expect(Object.fromEntries(seriesOf(exposition, name)), name).toEqual(Object.fromEntries(want));
}

const C = { slo: 'checkout-availability', service: 'checkout' };
const A = { slo: 'api-latency', service: 'api' };
const CI = { ...C, slo_instance: '' };
const CART = { ...A, slo_instance: 'route="/cart"' };
const PAY = { ...A, slo_instance: 'route="/pay"' };

/** One-hot alert state: 1 for `current`, 0 for the three other states. */
function oneHot(labels: Record<string, string>, severity: string, current: string): Expected {
  return ['inactive', 'pending', 'firing', 'nodata'].map((state) => [{ ...labels, severity, state }, state === current ? 1 : 0] as const);
}

describe('per-SLO gauges for two SLOs (one grouped by route with two instances)', () => {
  const cases: { name: string; expected: Expected }[] = [
    { name: 'burnwatch_slo_objective_ratio', expected: [[C, 0.999], [A, 0.995]] },
    // 30 d rolling; a calendar month counts as its nominal 30 days.
    { name: 'burnwatch_slo_period_seconds', expected: [[C, 2_592_000], [A, 2_592_000]] },
    { name: 'burnwatch_slo_up', expected: [[C, 1], [A, 1]] },
    { name: 'burnwatch_slo_budget_remaining_ratio', expected: [[CI, 0.75], [CART, -0.1], [PAY, 1]] },
    // 7.5 days = 648 000 s; /cart is exhausted (0); /pay is not burning: no series.
    { name: 'burnwatch_slo_budget_exhaustion_seconds', expected: [[CI, 648_000], [CART, 0]] },
    {
      name: 'burnwatch_slo_burn_rate',
      // 6h is the long window of page-6h-30m and the short one of ticket-3d-6h: one series. /pay has no data: none.
      expected: [
        [{ ...CI, window: '1h' }, 2.5], [{ ...CI, window: '5m' }, 3.1], [{ ...CI, window: '6h' }, 1.2], [{ ...CI, window: '30m' }, 2],
        [{ ...CI, window: '1d' }, 0.8], [{ ...CI, window: '2h' }, 1.5], [{ ...CI, window: '3d' }, 0.5],
        [{ ...CART, window: '1h' }, 20], [{ ...CART, window: '5m' }, 18], [{ ...CART, window: '1d' }, 4], [{ ...CART, window: '2h' }, 5],
      ],
    },
    {
      name: 'burnwatch_slo_burn_rate_threshold',
      expected: [
        [{ ...C, tier: 'page-1h-5m', severity: 'page', long: '1h', short: '5m' }, 14.4],
        [{ ...C, tier: 'page-6h-30m', severity: 'page', long: '6h', short: '30m' }, 6],
        [{ ...C, tier: 'ticket-1d-2h', severity: 'ticket', long: '1d', short: '2h' }, 3],
        [{ ...C, tier: 'ticket-3d-6h', severity: 'ticket', long: '3d', short: '6h' }, 1],
        [{ ...A, tier: 'page-1h-5m', severity: 'page', long: '1h', short: '5m' }, 14.4],
        [{ ...A, tier: 'ticket-1d-2h', severity: 'ticket', long: '1d', short: '2h' }, 3],
      ],
    },
    {
      name: 'burnwatch_slo_alert_state',
      expected: [
        ...oneHot(CI, 'page', 'inactive'), ...oneHot(CI, 'ticket', 'pending'), ...oneHot(CI, 'nodata', 'inactive'),
        ...oneHot(CART, 'page', 'firing'), ...oneHot(CART, 'ticket', 'inactive'), ...oneHot(CART, 'exhaustion', 'firing'),
        ...oneHot(PAY, 'page', 'nodata'), ...oneHot(PAY, 'ticket', 'nodata'), ...oneHot(PAY, 'exhaustion', 'inactive'),
      ],
    },
  ];

  it.each(cases)('$name has exactly the expected series', async ({ name, expected }) => {
    expectSeries(await scrape(new FakeView()), name, expected);
  });

  it('declares every per-SLO metric as a gauge', async () => {
    const { types } = await scrape(new FakeView());
    for (const { name } of cases) expect(types.get(name), name).toBe('gauge');
  });
});

describe('per-SLO gauges follow the view on every scrape', () => {
  it('drops the series of a removed SLO and of a removed instance', async () => {
    const view = new FakeView();
    const metrics = createSelfMetrics({ version: '1.2.3', now: () => NOW });
    await scrape(view, metrics);
    const [checkout, api] = fixtureStatuses();
    view.statuses = [{ ...api!, instances: api!.instances.slice(0, 1) }];
    const after = await scrape(view, metrics);
    expect(after.samples.filter((s) => s.labels['slo'] === checkout!.slo.id)).toEqual([]);
    expectSeries(after, 'burnwatch_slo_budget_remaining_ratio', [[CART, -0.1]]);
    expect(after.samples.filter((s) => s.labels['slo_instance'] === 'route="/pay"')).toEqual([]);
  });

  it('marks an unknown SLO down and keeps its last evaluation', async () => {
    const view = new FakeView();
    const [checkout] = fixtureStatuses();
    view.statuses = [{ ...checkout!, state: 'unknown', error: 'query timed out' }];
    const e = await scrape(view);
    expectSeries(e, 'burnwatch_slo_up', [[C, 0]]);
    expectSeries(e, 'burnwatch_slo_budget_remaining_ratio', [[CI, 0.75]]);
  });

  it('shows a waiting SLO (never evaluated) with its definition only', async () => {
    const view = new FakeView();
    view.statuses = [{ slo: API, state: 'waiting', instances: [] }];
    const e = await scrape(view);
    expectSeries(e, 'burnwatch_slo_up', [[A, 0]]);
    expectSeries(e, 'burnwatch_slo_objective_ratio', [[A, 0.995]]);
    expect(seriesOf(e, 'burnwatch_slo_burn_rate_threshold').size).toBe(2);
    for (const name of ['burnwatch_slo_budget_remaining_ratio', 'burnwatch_slo_burn_rate', 'burnwatch_slo_alert_state']) expect(seriesOf(e, name).size, name).toBe(0);
  });
});

describe('self-metrics', () => {
  const TYPES: readonly (readonly [string, string])[] = [
    ['burnwatch_build_info', 'gauge'],
    ['burnwatch_backend_info', 'gauge'],
    ['burnwatch_cycle_duration_seconds', 'histogram'],
    ['burnwatch_cycles_total', 'counter'],
    ['burnwatch_missed_slots_total', 'counter'],
    ['burnwatch_last_successful_cycle_timestamp_seconds', 'gauge'],
    ['burnwatch_query_errors_total', 'counter'],
    ['burnwatch_storage_errors_total', 'counter'],
    ['burnwatch_rejected_samples_total', 'counter'],
    ['burnwatch_prometheus_up', 'gauge'],
    ['burnwatch_slos_loaded', 'gauge'],
    ['burnwatch_outbox_depth', 'gauge'],
    ['burnwatch_outbox_oldest_age_seconds', 'gauge'],
    ['burnwatch_outbox_dead_letters', 'gauge'],
    ['burnwatch_notifications_total', 'counter'],
    ['burnwatch_notification_latency_seconds', 'histogram'],
    ['burnwatch_reloads_total', 'counter'],
    ['burnwatch_reload_failed', 'gauge'],
    ['burnwatch_last_reload_success_timestamp_seconds', 'gauge'],
    ['process_cpu_seconds_total', 'counter'],
    ['process_resident_memory_bytes', 'gauge'],
    ['nodejs_eventloop_lag_seconds', 'gauge'],
  ];

  it.each(TYPES)('%s is a %s', async (name, type) => {
    const { types } = await scrape(new FakeView());
    expect(types.get(name)).toBe(type);
  });

  it('uses a registry of its own, not prom-client\'s global one', async () => {
    const metrics = createSelfMetrics({ version: '1.2.3', now: () => NOW });
    expect(metrics.registry).not.toBe(globalRegister);
    expect(await globalRegister.metrics()).not.toContain('burnwatch_');
    // Two instances (daemon restarts in one process, parallel tests) do not collide.
    expect(() => createSelfMetrics({ version: '1.2.3', now: () => NOW })).not.toThrow();
  });

  it('reports the version in build_info', async () => {
    expectSeries(await scrape(new FakeView()), 'burnwatch_build_info', [[{ version: '1.2.3' }, 1]]);
  });

  it('reports the metrics backend in backend_info once detected, one series at a time', async () => {
    const metrics = createSelfMetrics({ version: 'x', now: () => NOW });
    expect(seriesOf(await scrape(new FakeView(), metrics), 'burnwatch_backend_info').size).toBe(0);
    metrics.backend({ kind: 'prometheus', version: '2.42.0' });
    metrics.backend({ kind: 'victoriametrics', version: '1.79.0' });
    expectSeries(await scrape(new FakeView(), metrics), 'burnwatch_backend_info', [[{ kind: 'victoriametrics', version: '1.79.0' }, 1]]);
  });

  it('counts cycles by outcome, times them and adds missed slots', async () => {
    const metrics = createSelfMetrics({ version: 'x', now: () => NOW });
    metrics.cycle({ durationMs: 1500, outcome: 'ok', missedSlots: 0 });
    metrics.cycle({ durationMs: 40_000, outcome: 'partial', missedSlots: 2 });
    metrics.cycle({ durationMs: 200, outcome: 'ok', missedSlots: 1 });
    const e = await scrape(new FakeView(), metrics);
    expectSeries(e, 'burnwatch_cycles_total', [[{ outcome: 'ok' }, 2], [{ outcome: 'partial' }, 1], [{ outcome: 'failed' }, 0]]);
    expectSeries(e, 'burnwatch_missed_slots_total', [[{}, 3]]);
    expectSeries(e, 'burnwatch_cycle_duration_seconds_count', [[{}, 3]]);
    expectSeries(e, 'burnwatch_cycle_duration_seconds_sum', [[{}, 41.7]]);
    const buckets = seriesOf(e, 'burnwatch_cycle_duration_seconds_bucket');
    // Cumulative: 0.2 s <= 0.25; 1.5 s <= 2.5; 40 s <= 60.
    expect(buckets.get(seriesKey({ le: '0.1' }))).toBe(0);
    expect(buckets.get(seriesKey({ le: '0.25' }))).toBe(1);
    expect(buckets.get(seriesKey({ le: '2.5' }))).toBe(2);
    expect(buckets.get(seriesKey({ le: '30' }))).toBe(2);
    expect(buckets.get(seriesKey({ le: '60' }))).toBe(3);
    expect(buckets.get(seriesKey({ le: '+Inf' }))).toBe(3);
  });

  it('counts query errors by kind, every kind present from the start, unknown kinds as other', async () => {
    const metrics = createSelfMetrics({ version: 'x', now: () => NOW });
    metrics.queryError('timeout');
    metrics.queryError('timeout');
    metrics.queryError('no-such-kind');
    const errors = seriesOf(await scrape(new FakeView(), metrics), 'burnwatch_query_errors_total');
    const kinds = ['bad_data', 'execution', 'timeout', 'unavailable', 'server', 'auth', 'not_found', 'rate_limited', 'network', 'tls', 'client_timeout', 'partial', 'http', 'too_large', 'invalid_response', 'other'];
    expect(Object.fromEntries(errors)).toEqual(Object.fromEntries(kinds.map((kind) => [seriesKey({ kind }), kind === 'timeout' ? 2 : kind === 'other' ? 1 : 0])));
  });

  it('counts storage errors by fault apart from query errors, every fault present from the start', async () => {
    const metrics = createSelfMetrics({ version: 'x', now: () => NOW });
    metrics.storageError('full');
    metrics.storageError('full');
    metrics.storageError('moved');
    const e = await scrape(new FakeView(), metrics);
    const faults = ['corrupt', 'full', 'read_only', 'locked', 'io', 'moved', 'schema', 'other'];
    expect(Object.fromEntries(seriesOf(e, 'burnwatch_storage_errors_total'))).toEqual(Object.fromEntries(faults.map((kind) => [seriesKey({ kind }), kind === 'full' ? 2 : kind === 'moved' ? 1 : 0])));
    expect([...seriesOf(e, 'burnwatch_query_errors_total').values()].every((v) => v === 0)).toBe(true);
  });

  it('counts rejected samples by reason, every reason present from the start', async () => {
    const metrics = createSelfMetrics({ version: 'x', now: () => NOW });
    metrics.rejectedSamples('infinite', 3);
    metrics.rejectedSamples('backwards', 1);
    metrics.rejectedSamples('infinite', 2);
    const rejected = seriesOf(await scrape(new FakeView(), metrics), 'burnwatch_rejected_samples_total');
    const counts: Record<string, number> = { nan: 0, infinite: 5, negative: 0, backwards: 1, out_of_range: 0 };
    expect(Object.fromEntries(rejected)).toEqual(Object.fromEntries(Object.entries(counts).map(([reason, n]) => [seriesKey({ reason }), n])));
  });

  it('counts reloads, flags a failed one and stamps the last success', async () => {
    let clock = Date.parse('2026-03-10T11:00:00Z');
    const metrics = createSelfMetrics({ version: 'x', now: () => clock });
    const view = new FakeView();
    let e = await scrape(view, metrics);
    expectSeries(e, 'burnwatch_reloads_total', [[{ outcome: 'success' }, 0], [{ outcome: 'failure' }, 0]]);
    expectSeries(e, 'burnwatch_last_reload_success_timestamp_seconds', [[{}, Date.parse('2026-03-10T11:00:00Z') / 1000]]);

    clock = Date.parse('2026-03-10T11:30:00Z');
    metrics.reload('failure');
    view.healthValue = { ...HEALTH, reloadErrors: [{ file: 'slos/x.yaml', line: 3, col: 5, path: 'spec.objective', message: 'bad' }] };
    e = await scrape(view, metrics);
    expectSeries(e, 'burnwatch_reloads_total', [[{ outcome: 'success' }, 0], [{ outcome: 'failure' }, 1]]);
    expectSeries(e, 'burnwatch_reload_failed', [[{}, 1]]);
    expectSeries(e, 'burnwatch_last_reload_success_timestamp_seconds', [[{}, Date.parse('2026-03-10T11:00:00Z') / 1000]]);

    clock = Date.parse('2026-03-10T11:45:00Z');
    metrics.reload('success');
    view.healthValue = HEALTH;
    e = await scrape(view, metrics);
    expectSeries(e, 'burnwatch_reloads_total', [[{ outcome: 'success' }, 1], [{ outcome: 'failure' }, 1]]);
    expectSeries(e, 'burnwatch_reload_failed', [[{}, 0]]);
    expectSeries(e, 'burnwatch_last_reload_success_timestamp_seconds', [[{}, Date.parse('2026-03-10T11:45:00Z') / 1000]]);
  });

  it('counts notifications by receiver, destination and outcome and times deliveries', async () => {
    const metrics = createSelfMetrics({ version: 'x', now: () => NOW });
    const row = { id: 1 } as OutboxRow;
    metrics.dispatch.delivered?.('oncall', 'slack', row, 250);
    metrics.dispatch.delivered?.('oncall', 'slack', row, 1750);
    metrics.dispatch.failed?.('oncall', 'slack', 'server-error', true);
    metrics.dispatch.failed?.('pager', 'pagerduty', 'client-error', false);
    metrics.dispatch.dead?.('pager', 'pagerduty', row, 'HTTP 400');
    const e = await scrape(new FakeView(), metrics);
    expectSeries(e, 'burnwatch_notifications_total', [
      [{ receiver: 'oncall', destination: 'slack', outcome: 'delivered' }, 2],
      [{ receiver: 'oncall', destination: 'slack', outcome: 'failed' }, 1],
      [{ receiver: 'pager', destination: 'pagerduty', outcome: 'failed' }, 1],
      [{ receiver: 'pager', destination: 'pagerduty', outcome: 'dead' }, 1],
    ]);
    expectSeries(e, 'burnwatch_notification_latency_seconds_count', [[{ receiver: 'oncall' }, 2]]);
    expectSeries(e, 'burnwatch_notification_latency_seconds_sum', [[{ receiver: 'oncall' }, 2]]);
  });

  const healthCases = [
    {
      name: 'busy outbox, backend down',
      health: { ...HEALTH, slosLoaded: 7, prometheusUp: false, lastSuccessfulCycleMs: Date.parse('2026-03-10T11:58:00Z'), outbox: { pending: 3, oldestPendingMs: NOW - 90_000, dead: 2 } },
      expected: { slos: 7, up: 0, depth: 3, age: 90, dead: 2, last: Date.parse('2026-03-10T11:58:00Z') / 1000 },
    },
    {
      name: 'empty outbox, no cycle yet',
      health: { slosLoaded: 0, intervalMs: 30_000, prometheusUp: true, outbox: { pending: 0, dead: 0 }, reloadErrors: [], databaseOpen: true },
      expected: { slos: 0, up: 1, depth: 0, age: 0, dead: 0, last: 0 },
    },
  ];

  it.each(healthCases)('reads engine and outbox health from the view: $name', async ({ health, expected }) => {
    const view = new FakeView();
    view.healthValue = health;
    const e = await scrape(view);
    expectSeries(e, 'burnwatch_slos_loaded', [[{}, expected.slos]]);
    expectSeries(e, 'burnwatch_prometheus_up', [[{}, expected.up]]);
    expectSeries(e, 'burnwatch_outbox_depth', [[{}, expected.depth]]);
    expectSeries(e, 'burnwatch_outbox_oldest_age_seconds', [[{}, expected.age]]);
    expectSeries(e, 'burnwatch_outbox_dead_letters', [[{}, expected.dead]]);
    expectSeries(e, 'burnwatch_last_successful_cycle_timestamp_seconds', [[{}, expected.last]]);
  });
});

describe('label and value formatting', () => {
  it.each([
    [99.9, 0.999],
    [99.5, 0.995],
    [99.99, 0.9999],
    [95, 0.95],
    [99.95, 0.9995],
  ])('objective %s %% is the ratio %s', (percent, ratio) => {
    expect(objectiveRatio(percent)).toBe(ratio);
  });

  it.each([
    [{}, [], ''],
    [{ route: '/cart' }, ['route'], 'route="/cart"'],
    [{ route: '/cart', method: 'GET' }, ['route', 'method'], 'route="/cart",method="GET"'],
    [{ method: 'GET', route: '/cart' }, ['route', 'method'], 'route="/cart",method="GET"'],
    [{ q: 'say "hi"\\' }, ['q'], 'q="say \\"hi\\"\\\\"'],
  ] as const)('instance of %j grouped by %j is %s', (labels, groupBy, expected) => {
    expect(instanceLabel(labels, groupBy)).toBe(expected);
  });

  it('escapes an instance label with quotes so a scraper reads it back', async () => {
    const view = new FakeView();
    const [, api] = fixtureStatuses();
    view.statuses = [{ ...api!, instances: api!.instances.slice(0, 1).map((i) => ({ ...i, labels: { route: '/a"b\\c' } })) }];
    const e = await scrape(view);
    expect([...seriesOf(e, 'burnwatch_slo_budget_remaining_ratio').keys()]).toEqual([seriesKey({ ...A, slo_instance: 'route="/a\\"b\\\\c"' })]);
  });
});

describe('cluster metrics', () => {
  it('show the shards held, the live replicas, and count lock losses and failovers as counters', async () => {
    const view = new FakeView();
    const metrics = createSelfMetrics({ version: '1.2.3', now: () => NOW });
    const single = await scrape(view, metrics);
    expectSeries(single, 'burnwatch_cluster_shards_held', [[{}, 64]]);
    expectSeries(single, 'burnwatch_cluster_replicas', [[{}, 1]]);
    expectSeries(single, 'burnwatch_cluster_lock_losses_total', [[{}, 0]]);
    expectSeries(single, 'burnwatch_cluster_failovers_total', [[{}, 0]]);

    const replicas = [{ id: 'pod-a', shards: [0, 1] }, { id: 'pod-b', shards: [2] }, { id: 'pod-c', shards: [] }];
    view.clusterValue = { replica: 'pod-a', shardCount: 64, replicas, session: { ok: true, detail: 'open' }, shardsHeld: 22, lockLosses: 21, failovers: 10 };
    await scrape(view, metrics);
    view.clusterValue = { ...view.clusterValue, shardsHeld: 0, lockLosses: 43, failovers: 10, session: { ok: false, detail: 'lost' } };
    const after = await scrape(view, metrics);
    expectSeries(after, 'burnwatch_cluster_shards_held', [[{}, 0]]);
    expectSeries(after, 'burnwatch_cluster_replicas', [[{}, 3]]);
    expectSeries(after, 'burnwatch_cluster_lock_losses_total', [[{}, 43]]);
    expectSeries(after, 'burnwatch_cluster_failovers_total', [[{}, 10]]);
  });
});
