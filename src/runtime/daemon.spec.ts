import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, FakeMetrics } from '../../test/support/fake-metrics.js';
import { ManualTimers } from '../../test/support/manual-timers.js';
import { mountTmpfs } from '../../test/support/tmpfs.js';
import { loadConfig } from '../config/load.js';
import type { BuildInfo, MetricsSource } from '../metrics/source.js';
import { startDaemon } from '../wiring.js';
import { StartupError } from './startup-error.js';
import { UnavailableError } from '../server/view.js';
import type { Logger } from '../logger.js';
import { recordingLogger, silentLogger } from '../../test/support/logger.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const MIN = 60_000;

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
const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const u of unmounts.splice(0)) u();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(files: Record<string, string> = { 'a.yaml': sloFile('a'), 'b.yaml': sloFile('b') }, env: Record<string, string> = {}, logger: Logger = silentLogger, settings?: string, sourceOverride?: MetricsSource) {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-daemon-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'slos'));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, 'slos', f), text);
  if (settings !== undefined) writeFileSync(join(dir, 'burnwatch.yaml'), settings);
  const loaded = loadConfig(settings === undefined ? undefined : join(dir, 'burnwatch.yaml'), { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'data', 'burnwatch.db'), BURNWATCH_INTERVAL: '30s', BURNWATCH_MAX_BACKFILL: '6h', ...env });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const timers = new ManualTimers(T0 - 2 * MIN);
  let out = '';
  const reloads: string[] = [];
  const storageErrors: string[] = [];
  const fake = source();
  const backends: { kind: string; version: string }[] = [];
  const daemon = startDaemon(loaded.config, {
    env: {},
    cwd: dir,
    timers,
    random: () => 0.5,
    logger,
    stdout: { write: (t: string) => { out += t; } },
    version: 'test',
    source: sourceOverride ?? fake,
    metrics: { cycle: () => undefined, queryError: () => undefined, reload: (o) => reloads.push(o), storageError: (fault) => storageErrors.push(fault), backend: (b) => backends.push({ kind: b.kind, version: b.version }) },
  });
  const notifications = () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: string; slo: { id: string }; links: { sliQuery: string | null } });
  return { dir, config: loaded.config, daemon, timers, notifications, reloads, storageErrors, dbPath: loaded.config.databasePath, fake, backends };
}

describe('runtime/daemon', () => {
  it('logs the metrics backend\'s kind and version at start and reports them for burnwatch_backend_info', async () => {
    const log = recordingLogger();
    const vm = Object.assign(source(), { buildInfo: (): Promise<BuildInfo> => Promise.resolve({ kind: 'victoriametrics', version: '1.79.0' }) });
    const { daemon, timers, backends } = setup(undefined, {}, log.logger, undefined, vm);
    daemon.run();
    await timers.advanceTo(T0 - MIN);
    expect(backends).toEqual([{ kind: 'victoriametrics', version: '1.79.0' }]);
    expect(log.lines.find((l) => l.message === 'metrics backend detected')?.fields).toMatchObject({ backend: vm.url, kind: 'victoriametrics', version: '1.79.0' });
    await daemon.stop();
  });

  it('pages through the console receiver by default, and is ready after a successful cycle', async () => {
    const { daemon, timers, notifications } = setup();
    expect(daemon.view.readiness().ready).toBe(false);
    daemon.run();
    await timers.advanceTo(T0 + 5 * MIN);
    expect(daemon.view.readiness().ready).toBe(true);
    expect(notifications().map((n) => `${n.slo.id}:${n.status}`).sort()).toEqual(['a:firing', 'b:firing']);
    await daemon.stop();
    expect(daemon.view.health().databaseOpen).toBe(false);
  });

  it('sends the pages of a cycle before the hourly housekeeping, which waits for the next cycle', async () => {
    const { dir, daemon } = setup();
    await daemon.stop();
    writeFileSync(join(dir, 'routing.yaml'), 'route:\n  receiver: console\n  group_wait: 0s\nreceivers:\n  - name: console\n    console: {}\n');
    const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'data', 'burnwatch.db'), BURNWATCH_INTERVAL: '30s', BURNWATCH_MAX_BACKFILL: '6h', BURNWATCH_ROUTING_FILE: join(dir, 'routing.yaml') });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    // Started while both services fail: its first cycle pages, and is its first housekeeping cycle too.
    const log = recordingLogger();
    const timers = new ManualTimers(T0 + 6 * MIN);
    const again = startDaemon(loaded.config, { env: {}, cwd: dir, timers, random: () => 0.5, logger: log.logger, stdout: { write: () => true }, version: 'test', source: source() });
    again.run();
    const order = () => log.lines.filter((l) => l.message === 'notification delivered' || l.message.startsWith('housekeeping done')).map((l) => l.message);
    const until = async (count: number): Promise<void> => {
      for (let i = 0; i < 500 && order().length < count; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await timers.advanceTo(T0 + 6 * MIN + 20_000); // the first cycle, 10:06:00
    await until(2);
    expect(order()).toEqual(['notification delivered', 'notification delivered']);
    await timers.advanceTo(T0 + 6 * MIN + 50_000); // the next one, 10:06:30
    await until(3);
    expect(order()).toEqual(['notification delivered', 'notification delivered', 'housekeeping done: ledger thinned, old outbox rows and silences pruned']);
    await again.stop();
  });

  it('logs each queued notification with its SLO, state and receivers, and after a restart each firing alert it carries over', async () => {
    const log = recordingLogger();
    const { lines } = log;
    const { dir, config, daemon, timers } = setup(undefined, {}, log.logger);
    daemon.run();
    await timers.advanceTo(T0 + 5 * MIN);
    await daemon.stop();
    const queued = lines.filter((l) => l.message === 'alert notification queued');
    expect(queued.map((l) => [l.fields['component'], l.fields['slo'], l.fields['alert'], l.fields['status'], l.fields['severity'], l.fields['kind'], l.fields['receivers']]).sort()).toEqual([
      ['outbox', 'a', 'a/{}/page', 'firing', 'page', 'burn', ['console']],
      ['outbox', 'b', 'b/{}/page', 'firing', 'page', 'burn', ['console']],
    ]);
    expect(lines.filter((l) => l.message === 'alert notifications queued')).toEqual([]);

    // A new process on the same database: the two pages are still firing, and it says so.
    lines.length = 0;
    const again = startDaemon(config, { env: {}, cwd: dir, timers: new ManualTimers(T0 + 6 * MIN), random: () => 0.5, logger: log.logger, stdout: { write: () => true }, version: 'test', source: source() });
    const carried = lines.filter((l) => l.message === 'firing alert carried over from the previous run');
    expect(carried.map((l) => [l.fields['slo'], l.fields['alert'], l.fields['severity'], l.fields['kind'], l.fields['phase'], l.fields['notified'], l.fields['waiting']]).sort()).toEqual([
      ['a', 'a/{}/page', 'page', 'burn', 'firing', true, 0],
      ['b', 'b/{}/page', 'page', 'burn', 'firing', true, 0],
    ]);
    for (const l of carried) expect(Date.parse(String(l.fields['firingSince']))).toBeGreaterThan(T0 + MIN);
    expect(lines.find((l) => l.message === 'alert state carried over from the previous run')?.fields).toMatchObject({ firing: 2, waiting: 0 });
    await again.stop();
  });

  it('keeps the last good set when a reload is invalid, applies a fixed one, and resolves the alerts of a removed SLO', async () => {
    const { dir, daemon, timers, notifications, reloads } = setup();
    daemon.run();
    await timers.advanceTo(T0 + 5 * MIN);
    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a').replace('objective: 99.9', 'objective: 120'));
    const errors = await daemon.reload();
    expect(errors.map((e) => `${e.line}:${e.path}`)).toEqual(['5:spec.objective']);
    expect(daemon.view.readiness().checks['slos']?.detail).toContain('the last reload failed');
    await timers.advanceTo(T0 + 6 * MIN);
    expect(daemon.view.slos().map((s) => `${s.slo.id}:${s.slo.objective}:${s.state}`).sort()).toEqual(['a:99.9:ok', 'b:99.9:ok']);

    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a', 99.5));
    unlinkSync(join(dir, 'slos', 'b.yaml'));
    expect(await daemon.reload()).toEqual([]);
    await timers.advanceTo(T0 + 7 * MIN);
    expect(daemon.view.slos().map((s) => `${s.slo.id}:${s.slo.objective}`)).toEqual(['a:99.5']);
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
    expect(daemon.view.slos().map((s) => s.slo.id).sort()).toEqual(['a', 'b']);
    await daemon.stop();
  });

  it('survives hostile SLO files at its next poll: skips a symlink loop, and keeps the last good set when a file is over a bound of its settings', async () => {
    const { dir, daemon, timers, reloads } = setup({ 'a.yaml': sloFile('a') }, {}, silentLogger, 'slos:\n  limits:\n    maxFileBytes: 2048\n');
    daemon.run();
    await timers.advanceTo(T0);
    symlinkSync('.', join(dir, 'slos', 'loop1'));
    symlinkSync('.', join(dir, 'slos', 'loop2'));
    writeFileSync(join(dir, 'slos', 'b.yaml'), sloFile('b'));
    await timers.advanceTo(T0 + MIN);
    expect(daemon.view.slos().map((s) => s.slo.id).sort()).toEqual(['a', 'b']);
    writeFileSync(join(dir, 'slos', 'c.yaml'), `${sloFile('c')}# ${'x'.repeat(4096)}\n`);
    await timers.advanceTo(T0 + 2 * MIN);
    expect(daemon.view.health().reloadErrors.map((e) => `${e.file.slice(dir.length + 1)}: ${e.message}`)).toEqual([
      `slos/c.yaml: the file is ${sloFile('c').length + 4099} bytes: SLO files may be at most 2048 bytes; it was not read`,
    ]);
    expect(daemon.view.slos().map((s) => s.slo.id).sort()).toEqual(['a', 'b']);
    expect(reloads).toEqual(['success', 'failure']);
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
    const daemon = startDaemon(loaded.config, { env: {}, cwd: dir, timers, random: Math.random, logger: silentLogger, stdout: { write: () => true }, version: 't', source: source() });
    daemon.run();
    await timers.advanceTo(T0);
    expect(daemon.view.slos().map((s) => `${s.slo.id}:${s.slo.objective}`)).toEqual(['a:99.9']);
    symlinkSync(join(dir, 'rev2'), join(dir, 'current.tmp'));
    renameSync(join(dir, 'current.tmp'), join(dir, 'current'));
    await timers.advanceTo(T0 + MIN);
    expect(daemon.view.slos().map((s) => `${s.slo.id}:${s.slo.objective}`).sort()).toEqual(['a:99.5', 'b:99.9']);
    await daemon.stop();
  });

  it('refuses a second daemon on the same database, and takes over the lock of a process that is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-daemon-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a'));
    const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'burnwatch.db'), BURNWATCH_MAX_BACKFILL: '6h' });
    if (!loaded.ok) throw new Error('config');
    const start = (pid: number, alive: number[]) => startDaemon(loaded.config, { env: {}, cwd: dir, timers: new ManualTimers(T0), random: Math.random, logger: silentLogger, stdout: { write: () => true }, version: 't', source: source(), pid, isAlive: (p) => alive.includes(p) });
    const first = start(101, [101, 102]);
    expect(() => start(102, [101, 102])).toThrow(/another burnwatch \(pid 101\) is using the database/);
    // 101 died without stopping (SIGKILL): its lock is stale.
    const second = start(102, [102]);
    void first;
    return second.stop();
  });

  it('never shows the password of prometheus.url: not in the log, not in /readyz, not in the SLI link of a notification', async () => {
    const log = recordingLogger();
    const { daemon, timers, notifications, fake } = setup(undefined, { BURNWATCH_PROMETHEUS_URL: 'http://burnwatch:hunter2-secret@prom.example:9090' }, log.logger);
    daemon.run();
    await timers.advanceTo(T0 + 5 * MIN);
    const links = notifications().map((n) => n.links.sliQuery);
    expect(links).toHaveLength(2);
    for (const link of links) expect(link).toMatch(/^http:\/\/prom\.example:9090\//);
    // Prometheus goes away: the log and /readyz name it, without its password.
    fake.failWhen = () => new Error('connect ECONNREFUSED');
    await timers.advanceTo(T0 + 15 * MIN);
    const readiness = daemon.view.readiness();
    expect(readiness.checks['cycle']?.detail).toContain('Prometheus at http://prom.example:9090 cannot be queried');
    expect(log.lines.some((l) => l.fields['backend'] === 'http://prom.example:9090')).toBe(true);
    await daemon.stop();
    const shown = [JSON.stringify(readiness), JSON.stringify(notifications()), ...log.lines.map((l) => JSON.stringify(l))].join('\n');
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('burnwatch:');
  });

  it('fails to start with located messages: a broken routing file, a missing secret, an unusable database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-daemon-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'a.yaml'), sloFile('a'));
    const start = (env: Record<string, string>) => {
      const loaded = loadConfig(undefined, { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'burnwatch.db'), BURNWATCH_MAX_BACKFILL: '6h', ...env });
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      return () => startDaemon(loaded.config, { env: {}, cwd: dir, timers: new ManualTimers(T0), random: Math.random, logger: silentLogger, stdout: { write: () => true }, version: 't', source: source() });
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

  const silence = { matchers: ['slo="a"'], startsAt: new Date(T0), endsAt: new Date(T0 + 3_600_000), createdBy: 'test', comment: 'maintenance' };

  for (const change of ['deleted', 'replaced'] as const) {
    it(`goes not-ready, refuses silences and stops with a failure when its database file is ${change} while running`, async () => {
      const log = recordingLogger();
      const { daemon, timers, dbPath, storageErrors } = setup(undefined, {}, log.logger);
      let failed: unknown;
      void daemon.failed.then((err) => { failed = err; });
      daemon.run();
      await timers.advanceTo(T0 + 5 * MIN);
      expect(daemon.view.readiness().ready).toBe(true);
      expect(daemon.view.addSilence(silence).ok).toBe(true);

      if (change === 'deleted') {
        unlinkSync(dbPath);
      } else {
        // A restore or a mistaken copy: a new file renamed over the open one.
        copyFileSync(dbPath, `${dbPath}.restored`);
        renameSync(`${dbPath}.restored`, dbPath);
      }
      // SQLite would accept this write into the old file, and it would be gone after the restart.
      expect(() => daemon.view.addSilence(silence)).toThrow(UnavailableError);
      expect(() => daemon.view.addSilence(silence)).toThrow(new RegExp(`${dbPath}.*${change === 'deleted' ? 'deleted' : 'replaced'}`));
      const readiness = daemon.view.readiness();
      expect(readiness.ready).toBe(false);
      expect(readiness.checks['database']).toMatchObject({ ok: false });
      expect(readiness.checks['database']?.detail).toContain(dbPath);
      await timers.advanceTo(T0 + 6 * MIN);
      expect(failed).toMatchObject({ fault: 'moved', path: dbPath });
      expect(storageErrors).toContain('moved');
      expect(log.lines.filter((l) => l.level === 'error' && l.fields['database'] === dbPath && l.fields['fault'] === 'moved').length).toBeGreaterThan(0);
      await daemon.stop();
    });
  }

  it('counts a full disk as a storage error naming the file, keeps Prometheus up, and pages once space is back', async (ctx) => {
    const m = mountTmpfs(1024 * 1024);
    if (!m.ok) return ctx.skip(`full disk: ${m.reason}`);
    unmounts.push(() => m.fs.unmount());
    const log = recordingLogger();
    const dbPath = join(m.fs.dir, 'burnwatch.db');
    const { daemon, timers, notifications, storageErrors } = setup(undefined, { BURNWATCH_DB: dbPath }, log.logger);
    const filler = m.fs.fill();
    daemon.run();
    // The services fail from T0 + 1 min: a page is due, but the ledger cannot take the backfill.
    await timers.advanceTo(T0 + 5 * MIN);
    expect(storageErrors.length).toBeGreaterThan(0);
    expect(new Set(storageErrors)).toEqual(new Set(['full']));
    expect(daemon.view.health().prometheusUp).toBe(true);
    expect(log.lines.map((l) => l.message).join('\n')).not.toMatch(/Prometheus cannot be queried/);
    const storageLines = log.lines.filter((l) => l.level === 'error' && l.fields['fault'] === 'full');
    expect(storageLines.length).toBeGreaterThan(0);
    expect(storageLines[0]?.fields['database']).toBe(dbPath);
    const readiness = daemon.view.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.checks['database']?.ok).toBe(false);
    expect(readiness.checks['database']?.detail).toMatch(new RegExp(`${dbPath}.*full`));
    expect(notifications()).toEqual([]);

    unlinkSync(filler);
    await timers.advanceTo(T0 + 7 * MIN);
    expect(notifications().map((n) => `${n.slo.id}:${n.status}`).sort()).toEqual(['a:firing', 'b:firing']);
    expect(daemon.view.readiness().ready).toBe(true);
    await timers.advanceTo(T0 + 9 * MIN);
    expect(notifications()).toHaveLength(2);
    await daemon.stop();
  });
});
