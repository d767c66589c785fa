import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'burnwatch-config-'));
  dirs.push(d);
  writeFileSync(join(d, 'burnwatch.yaml'), text);
  return join(d, 'burnwatch.yaml');
}

describe('config/load', () => {
  it('runs on embedded defaults: ./slos, Prometheus on localhost:9090, port 9099, 30 s slots', () => {
    const r = loadConfig(undefined, {});
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config).toMatchObject({ slosPath: './slos', databasePath: './data/burnwatch.db', intervalMs: 30_000, defaultPeriodMs: 30 * 86_400_000 });
    expect(r.config.raw.prometheus.url).toBe('http://localhost:9090');
    expect(r.config.raw.server.port).toBe(9099);
    expect(r.config.routingFile).toBeUndefined();
  });

  it('lets BURNWATCH_* variables override the file', () => {
    const r = loadConfig(file('prometheus: { url: "http://prom:9090" }\nserver: { port: 8080 }\n'), { BURNWATCH_PORT: '9100', BURNWATCH_DB: '/var/lib/burnwatch/b.db' });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config.raw.server.port).toBe(9100);
    expect(r.config.raw.prometheus.url).toBe('http://prom:9090');
    expect(r.config.databasePath).toBe('/var/lib/burnwatch/b.db');
  });

  it('reads report digests with their defaults, and locates a bad one', () => {
    const good = loadConfig(file('reports:\n  digests:\n    - { name: weekly-slo, every: week, receiver: team-slack }\n'), {});
    if (!good.ok) throw new Error(JSON.stringify(good.errors));
    expect(good.config.raw.reports.digests).toEqual([{ name: 'weekly-slo', every: 'week', timezone: 'UTC', at: '09:00', receiver: 'team-slack', groupBy: 'service' }]);
    expect(loadConfig(undefined, {}).ok && loadConfig(undefined, {})).toMatchObject({ config: { raw: { reports: { digests: [] } } } });
    const bad = loadConfig(file('reports:\n  digests:\n    - name: weekly-slo\n      every: fortnight\n      timezone: Mars/Olympus\n      at: "9am"\n      receiver: team-slack\n'), {});
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => [e.line, e.path])).toEqual([[4, 'reports.digests[0].every'], [5, 'reports.digests[0].timezone'], [6, 'reports.digests[0].at']]);
    expect(bad.errors[1]?.message).toMatch(/is not a time zone/);
  });

  it('locates a misspelt setting in the file with a did-you-mean hint', () => {
    const r = loadConfig(file('prometheus:\n  url: http://prom:9090\nevaluation:\n  intervall: 30s\n'), {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([expect.objectContaining({ line: 4, col: 3, path: 'evaluation.intervall', message: 'unknown field "intervall"', hint: 'did you mean "interval"?' })]);
  });

  it('names the environment variable that holds a bad value', () => {
    const r = loadConfig(undefined, { BURNWATCH_INTERVAL: '45s' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ file: 'environment variable BURNWATCH_INTERVAL', message: 'the evaluation interval 45s does not divide 5 minutes' });
    const port = loadConfig(undefined, { BURNWATCH_PORT: 'http' });
    expect(port.ok ? [] : port.errors[0]?.file).toBe('environment variable BURNWATCH_PORT');
  });

  it.each([
    ['1ms', 'evaluation.interval', '1s'],
    ['500ms', 'evaluation.interval', '1s'],
  ])('refuses an evaluation interval of %s, naming the field and the minimum', (interval, field, minimum) => {
    const r = loadConfig(file(`evaluation:\n  interval: ${interval}\n`), {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([expect.objectContaining({ line: 2, col: 13, path: field, message: `the evaluation interval ${interval} is below the minimum of ${minimum}` })]);
    const env = loadConfig(undefined, { BURNWATCH_INTERVAL: interval });
    expect(env.ok ? undefined : env.errors[0]).toMatchObject({ file: 'environment variable BURNWATCH_INTERVAL', path: field, message: `the evaluation interval ${interval} is below the minimum of ${minimum}` });
  });

  it('refuses a reload poll interval below 1s', () => {
    const r = loadConfig(file('reload:\n  pollInterval: 10ms\n'), {});
    expect(r.ok ? undefined : r.errors[0]).toMatchObject({ line: 2, path: 'reload.pollInterval', message: 'the reload poll interval 10ms is below the minimum of 1s' });
  });

  it('accepts the smallest evaluation interval, 1s', () => {
    const r = loadConfig(undefined, { BURNWATCH_INTERVAL: '1s' });
    expect(r.ok ? r.config.intervalMs : r.errors).toBe(1_000);
  });

  it('reads the SLO file bounds from slos.limits, with the documented defaults for the others', () => {
    const r = loadConfig(file('slos:\n  limits:\n    maxFileBytes: 2097152\n    maxDepth: 32\n'), {});
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config.specLimits).toEqual({
      maxFileBytes: 2 * 1024 * 1024, maxTotalBytes: 8 * 1024 * 1024, maxFiles: 10_000, maxDocuments: 1_000,
      maxDepth: 32, maxStringLength: 16 * 1024, maxValues: 100_000,
    });
  });

  it('locates an SLO file bound it cannot take: the depth is capped below where the YAML library overflows its stack', () => {
    const r = loadConfig(file('slos:\n  limits:\n    maxDepth: 10000\n    maxFiles: 0\n'), {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line}:${e.path}: ${e.message}`)).toEqual(['4:slos.limits.maxFiles: must be at least 1', '3:slos.limits.maxDepth: must be at most 256']);
  });

  it('rejects a secret written into the file', () => {
    const r = loadConfig(file('server:\n  apiToken: s3cr3t\n'), {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]?.line).toBe(2);
    expect(JSON.stringify(r.errors)).not.toContain('s3cr3t');
  });

  it('takes a PostgreSQL URL with the password as a secret reference, and refuses a password in the URL or one without a URL', () => {
    const good = loadConfig(file('database:\n  url: postgres://burnwatch@db.example:5432/burnwatch\n  password: { env: BURNWATCH_DB_PASSWORD }\n'), {});
    expect(good.ok && good.config.database).toEqual({ url: 'postgres://burnwatch@db.example:5432/burnwatch', password: { env: 'BURNWATCH_DB_PASSWORD' } });
    const cases: readonly (readonly [string, string])[] = [
      ['database:\n  url: postgres://burnwatch:hunter22@db.example/burnwatch\n', '2:database.url: holds a password'],
      ['database:\n  url: mysql://db.example/burnwatch\n', '2:database.url: is not a PostgreSQL URL'],
      ['database:\n  password: { file: /run/secrets/pw }\n', '2:database.password: is the PostgreSQL password, but database.url is not set'],
    ];
    for (const [text, want] of cases) {
      const r = loadConfig(file(text), {});
      expect(r.ok ? '' : r.errors.map((e) => `${e.line}:${e.path}: ${e.message}`).join('; ')).toBe(want);
      expect(JSON.stringify(r)).not.toContain('hunter22');
    }
  });

  it('reads the cluster settings with their defaults on PostgreSQL; BURNWATCH_REPLICA_ID overrides the id', () => {
    const pgOnly = loadConfig(file('database:\n  url: postgres://burnwatch@db.example/burnwatch\n'), {});
    expect(pgOnly.ok && pgOnly.config.cluster).toEqual({ leaseIntervalMs: 5_000, failoverTimeoutMs: 30_000 });
    const set = loadConfig(file('database:\n  url: postgres://burnwatch@db.example/burnwatch\ncluster:\n  replicaId: pod-a\n  leaseInterval: 2s\n  failoverTimeout: 6s\n'), {});
    expect(set.ok && set.config.cluster).toEqual({ replicaId: 'pod-a', leaseIntervalMs: 2_000, failoverTimeoutMs: 6_000 });
    const env = loadConfig(file('database:\n  url: postgres://burnwatch@db.example/burnwatch\ncluster:\n  replicaId: pod-a\n'), { BURNWATCH_REPLICA_ID: 'burnwatch-7c9f-2' });
    expect(env.ok && env.config.cluster?.replicaId).toBe('burnwatch-7c9f-2');
    // SQLite: no lease; the id (if given by the environment) still names the one replica.
    const sqlite = loadConfig(undefined, { BURNWATCH_REPLICA_ID: 'pod-a' });
    expect(sqlite.ok && sqlite.config.cluster).toEqual({ replicaId: 'pod-a', leaseIntervalMs: 5_000, failoverTimeoutMs: 30_000 });
    expect(loadConfig(undefined, {}).ok && loadConfig(undefined, {})).toMatchObject({ config: { cluster: { leaseIntervalMs: 5_000 } } });
  });

  it.each([
    ['cluster:\n  replicaId: pod-a\n', '1:cluster: sharding needs PostgreSQL, but database.url is not set'],
    ['database:\n  url: postgres://db.example/bw\ncluster:\n  leaseInterval: 15s\n', '4:cluster.leaseInterval: the lease interval 15s is more than a third of the failover timeout 30s'],
    ['database:\n  url: postgres://db.example/bw\ncluster:\n  leaseInterval: 2s\n  failoverTimeout: 5s\n', '4:cluster.leaseInterval: the lease interval 2s is more than a third of the failover timeout 5s'],
    ['database:\n  url: postgres://db.example/bw\ncluster:\n  leaseInterval: 100ms\n', '4:cluster.leaseInterval: the lease interval 100ms is below the minimum of 1s'],
    ['database:\n  url: postgres://db.example/bw\ncluster:\n  replicaId: "pod a/1"\n', '4:cluster.replicaId: is not a replica id'],
    ['database:\n  url: postgres://db.example/bw\ncluster:\n  leaseIntervall: 5s\n', '4:cluster.leaseIntervall: unknown field "leaseIntervall"'],
  ])('locates a bad cluster setting: %j', (text, want) => {
    const r = loadConfig(file(text), {});
    expect(r.ok ? '' : r.errors.map((e) => `${e.line}:${e.path}: ${e.message}`).join('; ')).toBe(want);
    expect(r.ok ? [] : r.errors.map((e) => e.hint ?? '')).not.toContain('');
  });

  it('names BURNWATCH_REPLICA_ID when it holds a bad id', () => {
    const r = loadConfig(undefined, { BURNWATCH_REPLICA_ID: 'pod a' });
    expect(r.ok ? undefined : r.errors[0]).toMatchObject({ file: 'environment variable BURNWATCH_REPLICA_ID', path: 'cluster.replicaId', message: 'is not a replica id' });
  });

  it('takes the PostgreSQL URL from BURNWATCH_DATABASE_URL, and names the variable when it holds a password', () => {
    const good = loadConfig(file('database:\n  password: { env: BURNWATCH_DB_PASSWORD }\n'), { BURNWATCH_DATABASE_URL: 'postgres://burnwatch@db.example:5432/burnwatch' });
    expect(good.ok && good.config.database).toEqual({ url: 'postgres://burnwatch@db.example:5432/burnwatch', password: { env: 'BURNWATCH_DB_PASSWORD' } });
    const bad = loadConfig(undefined, { BURNWATCH_DATABASE_URL: 'postgres://burnwatch:hunter22@db.example/burnwatch' });
    expect(bad.ok ? [] : bad.errors.map((e) => `${e.file}: ${e.path}: ${e.message}`)).toEqual(['environment variable BURNWATCH_DATABASE_URL: database.url: holds a password']);
    expect(JSON.stringify(bad)).not.toContain('hunter22');
  });

  it('says which file cannot be read', () => {
    const r = loadConfig('/nonexistent/burnwatch.yaml', {});
    expect(r.ok ? '' : r.errors[0]?.message).toMatch(/cannot read the config file: ENOENT/);
  });
});
