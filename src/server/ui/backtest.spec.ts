import { describe, expect, it } from 'vitest';
import { sloModel } from '../../../test/support/slo-model.js';
import type { StepRecord } from '../../engine/replay.js';
import { DAY, MINUTE } from '../../slo/duration.js';
import type { AlertNotification } from '../../notify/notifier.js';
import type { Severity, Slo } from '../../slo/model.js';
import type { BacktestResult, BacktestRun, BacktestsDeps } from './backtest.js';
import { Backtests, EpisodeCollector } from './backtest.js';

const T = Date.parse('2026-03-10T12:00:00Z');
const STEP = 30_000;

const record = (labels: Record<string, string>): StepRecord => ({ time: '', slo: 'checkout-availability', labels, page: false, ticket: false, tiers: {}, alerts: { page: 'inactive', ticket: 'inactive' }, budgetRemaining: 1 });

/** The fields of a notification the collector reads (the rest are the engine's business). */
function notification(status: 'firing' | 'resolved', severity: Severity, instance: Record<string, string> = {}, kind: AlertNotification['kind'] = 'burn'): AlertNotification {
  return { alertKey: `checkout-availability/${JSON.stringify(instance)}/${kind === 'burn' ? severity : kind}`, status, severity, kind, instance } as unknown as AlertNotification;
}

describe('what a replay raised, from the notifications its engine decided', () => {
  it('is an episode from each firing notification to the resolved one of the same alert', () => {
    const c = new EpisodeCollector();
    c.notified([notification('firing', 'page')], T + 2 * STEP);
    c.notified([notification('resolved', 'page')], T + 4 * STEP);
    c.notified([notification('firing', 'page')], T + 5 * STEP);
    c.notified([notification('resolved', 'page')], T + 6 * STEP);
    expect(c.result(T, T + 6 * STEP, STEP).episodes).toEqual([
      { labels: {}, severity: 'page', kind: 'burn', startMs: T + 2 * STEP, endMs: T + 4 * STEP },
      { labels: {}, severity: 'page', kind: 'burn', startMs: T + 5 * STEP, endMs: T + 6 * STEP },
    ]);
  });

  it('leaves an alert still firing at the end open', () => {
    const c = new EpisodeCollector();
    c.notified([notification('firing', 'ticket', {}, 'nodata')], T + STEP);
    expect(c.result(T, T + STEP, STEP).episodes).toEqual([{ labels: {}, severity: 'ticket', kind: 'nodata', startMs: T + STEP, endMs: null }]);
  });

  it('keeps alerts of instances, severities and kinds apart, oldest first', () => {
    const c = new EpisodeCollector();
    const cart = { route: '/cart' };
    const pay = { route: '/pay' };
    c.notified([notification('firing', 'ticket', cart), notification('firing', 'page', pay)], T);
    c.notified([notification('firing', 'page', cart), notification('resolved', 'page', pay), notification('firing', 'ticket', cart, 'exhaustion')], T + STEP);
    c.notified([notification('resolved', 'page', cart), notification('resolved', 'ticket', cart)], T + 2 * STEP);
    expect(c.result(T, T + 2 * STEP, STEP).episodes).toEqual([
      { labels: cart, severity: 'ticket', kind: 'burn', startMs: T, endMs: T + 2 * STEP },
      { labels: pay, severity: 'page', kind: 'burn', startMs: T, endMs: T + STEP },
      { labels: cart, severity: 'page', kind: 'burn', startMs: T + STEP, endMs: T + 2 * STEP },
      { labels: cart, severity: 'ticket', kind: 'exhaustion', startMs: T + STEP, endMs: null },
    ]);
  });

  it('counts the steps without figures and says why the first of them had none', () => {
    const c = new EpisodeCollector();
    c.step([record({ route: '/cart' }), record({ route: '/pay' })]);
    c.step([], 'query failed: 503');
    c.step([], 'query failed: timeout');
    c.step([record({ route: '/cart' })]);
    const r = c.result(T, T + 3 * STEP, STEP);
    expect([r.steps, r.stepsWithoutFigures, r.problem]).toEqual([4, 2, 'query failed: 503']);
    expect(r.instances).toEqual([{ route: '/cart' }, { route: '/pay' }]);
  });
});

/** A run the test finishes by hand; it records what it was asked. */
function handRuns(): { run: BacktestRun; calls: { slo: string; fromMs: number; toMs: number; signal: AbortSignal; finish: (r?: Partial<BacktestResult>) => void; fail: (e: Error) => void }[] } {
  const calls: ReturnType<typeof handRuns>['calls'] = [];
  const run: BacktestRun = (slo, fromMs, toMs, signal) => new Promise((resolve, reject) => {
    calls.push({
      slo: slo.id,
      fromMs,
      toMs,
      signal,
      finish: (r = {}) => resolve({ fromMs, toMs, stepMs: STEP, steps: 1, stepsWithoutFigures: 0, instances: [{}], episodes: [], ...r }),
      fail: reject,
    });
    signal.addEventListener('abort', () => reject(signal.reason as Error));
  });
  return { run, calls };
}

function setup(limits: BacktestsDeps['limits'] = {}): { b: Backtests; calls: ReturnType<typeof handRuns>['calls']; clock: { now: number }; logs: string[] } {
  const { run, calls } = handRuns();
  const clock = { now: T + 12_345 };
  const logs: string[] = [];
  const b = new Backtests({ run, now: () => clock.now, slotMs: STEP, logger: { info: (_o, m) => logs.push(m), warn: (_o, m) => logs.push(m) }, limits });
  return { b, calls, clock, logs };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('backtests for the status page', () => {
  const slo = sloModel();

  it('runs one over the last N days up to the last slot, and keeps its result for everyone who asks', async () => {
    const { b, calls, clock } = setup();
    const first = b.start(slo, 7, 1);
    expect(first).toMatchObject({ ok: true, backtest: { days: 7, state: 'running' } });
    expect(calls.map((c) => [c.fromMs, c.toMs])).toEqual([[T - 7 * DAY, T]]);
    // Asked again while it runs: the same backtest, nothing new.
    expect(b.start(slo, 7, 1)).toMatchObject({ ok: true, backtest: { state: 'running' } });
    expect(calls).toHaveLength(1);
    calls[0]?.finish({ episodes: [{ labels: {}, severity: 'page', kind: 'burn', startMs: T - DAY, endMs: T - DAY + 10 * MINUTE }] });
    await settle();
    expect(b.list(slo)).toMatchObject([{ days: 7, state: 'done', result: { episodes: [{ severity: 'page' }] } }]);
    expect(b.start(slo, 7, 1)).toMatchObject({ ok: true, backtest: { state: 'done' } });
    expect(calls).toHaveLength(1);
    // Past its keeping time it is gone, and asked again it runs again.
    clock.now += b.limits.keepMs;
    expect(b.list(slo)).toEqual([]);
    b.start(slo, 7, 1);
    expect(calls).toHaveLength(2);
  });

  it('runs one at a time and refuses more than `queued` waiting', async () => {
    const { b, calls } = setup({ queued: 2 });
    const other = (id: string): Slo => sloModel({ id, name: id });
    b.start(other('a'), 1, 1);
    expect(b.start(other('b'), 1, 1)).toMatchObject({ ok: true, backtest: { state: 'queued' } });
    b.start(other('c'), 1, 1);
    expect(b.start(other('d'), 1, 1)).toMatchObject({ ok: false, status: 429 });
    expect(calls.map((c) => c.slo)).toEqual(['a']);
    calls[0]?.finish();
    await settle();
    expect(calls.map((c) => c.slo)).toEqual(['a', 'b']);
    expect(b.list(other('b'))).toMatchObject([{ state: 'running' }]);
    expect(b.list(other('c'))).toMatchObject([{ state: 'queued' }]);
  });

  it('refuses an SLO whose instances x days are over the bound, pointing at the CLI', () => {
    const { b, calls } = setup({ maxInstanceDays: 120 });
    expect(b.start(slo, 30, 4)).toMatchObject({ ok: true });
    const refused = b.start(slo, 7, 18);
    expect(refused).toMatchObject({ ok: false, status: 422 });
    expect(refused.ok ? '' : refused.message).toContain('18 instances: a backtest over 7 days would replay 126 instance-days');
    expect(refused.ok ? '' : refused.hint).toContain('burnwatch backtest --slos slos/checkout.yaml --from now-7d --to now');
    expect(calls).toHaveLength(1);
  });

  it('shows no result of another definition of the SLO, and runs the new one', async () => {
    const { b, calls } = setup();
    b.start(slo, 1, 1);
    calls[0]?.finish();
    await settle();
    const stricter = sloModel({ objective: 99.99 });
    expect(b.list(stricter)).toEqual([]);
    expect(b.start(stricter, 1, 1)).toMatchObject({ ok: true, backtest: { state: 'running' } });
    // The same definition in a new object (a reload that changed nothing) keeps its result.
    expect(b.list(sloModel())).toMatchObject([{ state: 'done' }]);
  });

  it('keeps a failure with its reason for a minute, then runs again', async () => {
    const { b, calls, clock, logs } = setup();
    b.start(slo, 1, 1);
    calls[0]?.fail(new Error('Prometheus answered 503'));
    await settle();
    expect(b.list(slo)).toMatchObject([{ state: 'failed', error: 'Prometheus answered 503' }]);
    expect(logs).toContain('backtest failed');
    clock.now += b.limits.failedKeepMs;
    expect(b.start(slo, 1, 1)).toMatchObject({ ok: true, backtest: { state: 'running' } });
  });

  it('stops a backtest that runs too long, and says so', async () => {
    const { b, calls } = setup({ timeoutMs: 20 });
    b.start(slo, 1, 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await settle();
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(b.list(slo)).toMatchObject([{ state: 'failed', error: 'stopped after 0 minutes' }]);
  });

  it('stops the running backtest and drops the waiting ones when closed', async () => {
    const { b, calls } = setup();
    b.start(slo, 1, 1);
    b.start(slo, 7, 1);
    b.close();
    await settle();
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(b.list(slo)).toMatchObject([{ days: 1, state: 'failed', error: 'burnwatch is stopping' }]);
    expect(b.start(slo, 30, 1)).toMatchObject({ ok: false, status: 503 });
    expect(calls).toHaveLength(1);
  });
});
