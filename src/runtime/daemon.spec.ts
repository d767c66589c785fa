import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import { ManualTimers } from '../../test/support/manual-timers.js';
import { loadConfig } from '../config/load.js';
import type { BuildInfo, MetricsSource } from '../metrics/source.js';
import { Daemon, StartupError } from './daemon.js';
import type { DaemonLogger } from './daemon.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MIN = 60_000;

const quiet: DaemonLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => quiet };

function sloFile(name: string, objective = 99.9): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${name}, service: ${name} }
spec:
  objective: ${objective}
  indicator:
    events:
      errors: http_requests_total{service="${name}",code="500"}
      total: http_requests_total{service="${name}"}
  alerting:
    ticket: { disabled: true }
    exhaustion: { disabled: true }
`;
}

/** Both services fail completely from T0 + 1 min. */
function source(): FakeMetrics {
  const series = ['a', 'b'].flatMap((s) => [
    counter({ __name__: 'http_requests_total', service: s, code: '200' }, (t) => (t > T0 + MIN ? 0 : 10), { startMs: T0 - 8 * 3_600_000 }),
    counter({ __name__: 'http_requests_total', service: s, code: '500' }, (t) => (t > T0 + MIN ? 10 : 0), { startMs: T0 - 8 * 3_600_000 }),
  ]);
  return new FakeMetrics(series);
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(files: Record<string, string> = { 'a.yaml': sloFile('a'), 'b.yaml': sloFile('b') }, env: Record<string, string> = {}, extra: { source?: MetricsSource; logger?: DaemonLogger } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-daemon-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'slos'));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, 'slos', f), text);
  const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'data', 'burnwatch.db'), BURNWATCH_INTERVAL: '30s', BURNWATCH_MAX_BACKFILL: '6h', ...env });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const timers = new ManualTimers(T0 - 2 * MIN);
  let out = '';
  const reloads: string[] = [];
  const backends: { kind: string; version: string }[] = [];
  const daemon = Daemon.start(loaded.config, {
    env: {},
    cwd: dir,
    timers,
    random: () => 0.5,
    logger: extra.logger ?? quiet,
    stdout: { write: (t: string) => { out += t; } },
    version: 'test',
    source: extra.source ?? source(),
    metrics: { cycle: () => undefined, queryError: () => undefined, reload: (o) => reloads.push(o), backend: (b) => backends.push({ kind: b.kind, version: b.version }) },
  });
  return { dir, daemon, timers, notifications: () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: string; slo: { id: string } }), reloads, backends };
}

describe('runtime/daemon', () => {
  it('logs the metrics backend\'s kind and version at start and reports them for burnwatch_backend_info', async () => {
    const lines: { msg: string; obj: object }[] = [];
    const logger: DaemonLogger = { info: (obj, msg) => lines.push({ obj, msg }), warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => logger };
    const vm = Object.assign(source(), { buildInfo: (): Promise<BuildInfo> => Promise.resolve({ kind: 'victoriametrics', version: '1.79.0' }) });
    const { daemon, timers, backends } = setup(undefined, {}, { source: vm, logger });
    daemon.run();
    await timers.advanceTo(T0 - MIN);
    expect(backends).toEqual([{ kind: 'victoriametrics', version: '1.79.0' }]);
    expect(lines).toContainEqual({ msg: 'metrics backend detected', obj: { backend: vm.url, kind: 'victoriametrics', version: '1.79.0' } });
    await daemon.stop();
  });

  it('pages through the console receiver by default, and is ready after a successful cycle', async () => {
    const { daemon, timers, notifications } = setup();
    expect(daemon.readiness().ready).toBe(false);
    daemon.run();
    await timers.advanceTo(T0 + 5 * MIN);
    expect(daemon.readiness().ready).toBe(true);
    expect(notifications().map((n) => `${n.slo.id}:${n.status}`).sort()).toEqual(['a:firing', 'b:firing']);
    await daemon.stop();
    expect(daemon.health().databaseOpen).toBe(false);
  });

  it('keeps the last good set when a reload is invalid, applies a fixed one, and resolves the alerts of a removed SLO', async () => {
    const { dir, daemon, timers, notifications, reloads } = setup();
    daemon.run();
    await timers.advanceTo(T0 + 5 * MIN);
    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a').replace('objective: 99.9', 'objective: 120'));
    const errors = await daemon.reload();
    expect(errors.map((e) => `${e.line}:${e.path}`)).toEqual(['5:spec.objective']);
    expect(daemon.readiness().checks['slos']?.detail).toContain('the last reload failed');
    await timers.advanceTo(T0 + 6 * MIN);
    expect(daemon.slos().map((s) => `${s.slo.id}:${s.slo.objective}:${s.state}`).sort()).toEqual(['a:99.9:ok', 'b:99.9:ok']);

    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a', 99.5));
    unlinkSync(join(dir, 'slos', 'b.yaml'));
    expect(await daemon.reload()).toEqual([]);
    await timers.advanceTo(T0 + 7 * MIN);
    expect(daemon.slos().map((s) => `${s.slo.id}:${s.slo.objective}`)).toEqual(['a:99.5']);
    // a kept its ledger and its firing page (no second page); b's page was resolved when b went away.
    expect(notifications().map((n) => `${n.slo.id}:${n.status}`).sort()).toEqual(['a:firing', 'b:firing', 'b:resolved']);
    expect(reloads).toEqual(['failure', 'success']);
    await daemon.stop();
  });

  it('reloads by itself when the SLO files change (polling)', async () => {
    const { dir, daemon, timers } = setup({ 'a.yaml': sloFile('a') });
    daemon.run();
    await timers.advanceTo(T0);
    writeFileSync(join(dir, 'slos', 'b.yaml'), sloFile('b'));
    await timers.advanceTo(T0 + MIN);
    expect(daemon.slos().map((s) => s.slo.id).sort()).toEqual(['a', 'b']);
    await daemon.stop();
  });

  it('follows git-sync\'s atomic swap of its `current` symlink to a new checkout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-gitsync-'));
    dirs.push(dir);
    // git-sync keeps each revision in its own folder and renames a new symlink over `current`.
    for (const [rev, files] of [['rev1', { 'a.yaml': sloFile('a') }], ['rev2', { 'a.yaml': sloFile('a', 99.5), 'b.yaml': sloFile('b') }]] as const) {
      mkdirSync(join(dir, rev, 'slos'), { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, rev, 'slos', f), text);
    }
    symlinkSync(join(dir, 'rev1'), join(dir, 'current'));
    const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(dir, 'current', 'slos'), BURNWATCH_DB: join(dir, 'burnwatch.db'), BURNWATCH_MAX_BACKFILL: '6h' });
    if (!loaded.ok) throw new Error('config');
    const timers = new ManualTimers(T0 - MIN);
    const daemon = Daemon.start(loaded.config, { env: {}, cwd: dir, timers, random: Math.random, logger: quiet, stdout: { write: () => true }, version: 't', source: source() });
    daemon.run();
    await timers.advanceTo(T0);
    expect(daemon.slos().map((s) => `${s.slo.id}:${s.slo.objective}`)).toEqual(['a:99.9']);
    symlinkSync(join(dir, 'rev2'), join(dir, 'current.tmp'));
    renameSync(join(dir, 'current.tmp'), join(dir, 'current'));
    await timers.advanceTo(T0 + MIN);
    expect(daemon.slos().map((s) => `${s.slo.id}:${s.slo.objective}`).sort()).toEqual(['a:99.5', 'b:99.9']);
    await daemon.stop();
  });

  it('refuses a second daemon on the same database, and takes over the lock of a process that is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-daemon-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a'));
    const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'burnwatch.db'), BURNWATCH_MAX_BACKFILL: '6h' });
    if (!loaded.ok) throw new Error('config');
    const start = (pid: number, alive: number[]) => Daemon.start(loaded.config, { env: {}, cwd: dir, timers: new ManualTimers(T0), random: Math.random, logger: quiet, stdout: { write: () => true }, version: 't', source: source(), pid, isAlive: (p) => alive.includes(p) });
    const first = start(101, [101, 102]);
    expect(() => start(102, [101, 102])).toThrow(/another burnwatch \(pid 101\) is using the database/);
    // 101 died without stopping (SIGKILL): its lock is stale.
    const second = start(102, [102]);
    void first;
    return second.stop();
  });

  it('fails to start with located messages: a broken routing file, a missing secret, an unusable database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-daemon-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a'));
    const start = (env: Record<string, string>) => {
      const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'burnwatch.db'), BURNWATCH_MAX_BACKFILL: '6h', ...env });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      return () => Daemon.start(loaded.config, { env: {}, cwd: dir, timers: new ManualTimers(T0), random: Math.random, logger: quiet, stdout: { write: () => true }, version: 't', source: source() });
    };
    writeFileSync(join(dir, 'routing.yaml'), 'route:\n  receiver: pager\nreceivers:\n  - name: pagr\n    pagerduty: { routingKey: { env: PD_KEY } }\n');
    expect(start({ BURNWATCH_ROUTING_FILE: join(dir, 'routing.yaml') })).toThrow(StartupError);
    try {
      start({ BURNWATCH_ROUTING_FILE: join(dir, 'routing.yaml') })();
    } catch (err) {
      expect((err as StartupError).errors[0]).toMatchObject({ line: 2, path: 'route.receiver' });
    }
    writeFileSync(join(dir, 'routing.yaml'), 'route:\n  receiver: pager\nreceivers:\n  - name: pager\n    pagerduty: { routingKey: { env: PD_KEY } }\n');
    expect(start({ BURNWATCH_ROUTING_FILE: join(dir, 'routing.yaml') })).toThrow(/PD_KEY/);
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    expect(start({ BURNWATCH_DB: join(dir, 'not-a-dir', 'burnwatch.db') })).toThrow(/database/);
  });
});
