import { describe, expect, it } from 'vitest';
import { PrometheusConnection, resolveClientOptions } from './config.js';

function issues(input: unknown): { path: string; message: string }[] {
  const parsed = PrometheusConnection.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('PrometheusConnection', () => {
  it('fills in the defaults', () => {
    expect(PrometheusConnection.parse({ url: 'http://prometheus:9090' })).toEqual({
      url: 'http://prometheus:9090',
      pathPrefix: '',
      readyPath: '/-/ready',
      timeout: '30s',
      maxResponseSize: '8MiB',
      maxConcurrentRequests: 4,
      headers: {},
      params: {},
      denyPartialResponse: { thanos: true, victoriaMetrics: true },
    });
  });

  it('accepts a Mimir setup: path prefix, tenant header, ready path, token file, CA', () => {
    const conn = PrometheusConnection.parse({
      url: 'https://mimir.example',
      pathPrefix: '/prometheus',
      readyPath: '/ready',
      headers: { 'X-Scope-OrgID': 'team-a' },
      bearerToken: { file: '/run/secrets/token' },
      tls: { caFile: 'ca.pem' },
    });
    expect(conn.tls).toEqual({ caFile: 'ca.pem', insecureSkipVerify: false });
  });

  it.each([
    [{ url: 'http://p:9090', timout: '10s' }, '', 'timout'],
    [{ url: 'prometheus:9090' }, 'url', 'not an http(s) base URL'],
    [{ url: 'http://p:9090/?x=1' }, 'url', 'pathPrefix'],
    [{ url: 'http://p:9090', pathPrefix: 'prometheus' }, 'pathPrefix', 'start with "/"'],
    [{ url: 'http://p:9090', pathPrefix: '/prometheus/' }, 'pathPrefix', 'not end with "/"'],
    [{ url: 'http://p:9090', timeout: '30' }, 'timeout', 'not a duration'],
    [{ url: 'http://p:9090', bearerToken: 'abc' }, 'bearerToken', 'never the secret itself'],
    [{ url: 'http://p:9090', headers: { Authorization: 'Bearer abc' } }, 'headers.Authorization', 'use bearerToken'],
    [{ url: 'http://p:9090', headers: { 'Bad Header': 'x' } }, 'headers.Bad Header', 'not an HTTP header name'],
    [{ url: 'http://p:9090', tls: { certFile: 'c.pem' } }, 'tls.keyFile', 'both certFile and keyFile'],
    [{ url: 'http://p:9090', bearerToken: { env: 'T' }, basicAuth: { username: 'u', password: { env: 'P' } } }, 'basicAuth', 'keep one'],
    [{ url: 'http://u:p@p:9090', bearerToken: { env: 'T' } }, 'url', 'remove user:password@'],
    [{ url: 'http://p:9090', maxResponseSize: '8 megs' }, 'maxResponseSize', 'write e.g. 8MiB'],
    [{ url: 'http://p:9090', maxResponseSize: '1KiB' }, 'maxResponseSize', 'at least 64KiB'],
    [{ url: 'http://p:9090', maxResponseSize: -5 }, 'maxResponseSize', 'at least 64KiB'],
    [{ url: 'http://p:9090', maxConcurrentRequests: 0 }, 'maxConcurrentRequests', 'at least 1'],
    [{ url: 'http://p:9090', maxConcurrentRequests: 2.5 }, 'maxConcurrentRequests', 'whole number'],
    [{ url: 'http://p:9090', maxConcurrentRequests: 1000 }, 'maxConcurrentRequests', 'at most 64'],
  ])('rejects %j at "%s"', (input, path, text) => {
    const found = issues(input);
    expect(found.length).toBeGreaterThan(0);
    const match = found.find((i) => i.path === path && i.message.includes(text)) ?? found.find((i) => i.message.includes(text));
    expect(match, JSON.stringify(found)).toBeDefined();
  });

  it('never echoes URL credentials in its message', () => {
    const found = issues({ url: 'ftp://user:s3cr3t@host/' });
    expect(JSON.stringify(found)).not.toContain('s3cr3t');
  });
});

describe('resolveClientOptions', () => {
  const files: Record<string, string> = { '/run/secrets/token': 'tok-1\n', 'ca.pem': '-----BEGIN CERTIFICATE-----' };
  const readFile = (path: string): string => {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return text;
  };

  it('re-reads a token file on every call, trimmed', async () => {
    const conn = PrometheusConnection.parse({ url: 'http://p:9090', bearerToken: { file: '/run/secrets/token' }, timeout: '1m30s' });
    const options = resolveClientOptions(conn, { readFile, env: {} });
    expect(options.timeoutMs).toBe(90_000);
    const token = options.bearerToken;
    expect(typeof token).toBe('function');
    if (typeof token !== 'function') return;
    expect(await token()).toBe('tok-1');
    files['/run/secrets/token'] = 'tok-2';
    expect(await token()).toBe('tok-2');
  });

  it('reads an environment variable once', () => {
    const conn = PrometheusConnection.parse({ url: 'http://p:9090', basicAuth: { username: 'u', password: { env: 'PROM_PASSWORD' } } });
    const options = resolveClientOptions(conn, { readFile, env: { PROM_PASSWORD: 'pw' } });
    expect(options.basicAuth).toEqual({ username: 'u', password: 'pw' });
  });

  it('names a missing variable or file, never a secret', () => {
    const byEnv = PrometheusConnection.parse({ url: 'http://p:9090', bearerToken: { env: 'PROM_TOKEN' } });
    expect(() => resolveClientOptions(byEnv, { readFile, env: {} })).toThrow(/bearerToken: environment variable PROM_TOKEN is not set/);
    const byFile = PrometheusConnection.parse({ url: 'http://p:9090', bearerToken: { file: '/missing' } });
    expect(() => resolveClientOptions(byFile, { readFile, env: {} })).toThrow(/\/missing/);
  });

  it('turns maxResponseSize into bytes: 8 MiB by default, units or a plain number of bytes', () => {
    const bytes = (extra: object): number | undefined => resolveClientOptions(PrometheusConnection.parse({ url: 'http://p:9090', ...extra }), { readFile, env: {} }).maxResponseBytes;
    expect(bytes({})).toBe(8 * 1024 * 1024);
    expect(bytes({ maxResponseSize: '16MiB' })).toBe(16 * 1024 * 1024);
    expect(bytes({ maxResponseSize: '512KiB' })).toBe(512 * 1024);
    expect(bytes({ maxResponseSize: '20MB' })).toBe(20_000_000);
    expect(bytes({ maxResponseSize: 1_048_576 })).toBe(1_048_576);
  });

  it('reads TLS files', () => {
    const conn = PrometheusConnection.parse({ url: 'https://p:9090', tls: { caFile: 'ca.pem', insecureSkipVerify: false } });
    expect(resolveClientOptions(conn, { readFile, env: {} }).tls).toEqual({ insecureSkipVerify: false, ca: '-----BEGIN CERTIFICATE-----' });
  });
});
