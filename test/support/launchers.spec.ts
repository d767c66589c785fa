import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startAlertmanager } from './alertmanager.js';
import { startStubServer } from './http-stub.js';
import { hasBinary, startPrometheus } from './prometheus.js';

/** The launchers themselves: they start, answer, fail with the tool's own words, and leave nothing behind. */

async function refuses(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const noPrometheus = !hasBinary('prometheus') || !hasBinary('promtool');
describe.skipIf(noPrometheus)(`startPrometheus${noPrometheus ? ' (skipped: prometheus/promtool not on PATH)' : ''}`, () => {
  it('starts on 127.0.0.1, answers, and stop() ends it and deletes its directory', async () => {
    const prom = await startPrometheus();
    try {
      expect(prom.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${prom.url}/api/v1/query?query=1%2B1`);
      expect(await res.json()).toMatchObject({ status: 'success', data: { resultType: 'scalar' } });
      expect(existsSync(prom.dataDir)).toBe(true);
    } finally {
      await prom.stop();
    }
    expect(existsSync(prom.dataDir)).toBe(false);
    expect(await refuses(`${prom.url}/-/ready`)).toBe(true);
    await prom.stop(); // idempotent
  });

  it('fails with Prometheus\'s own output when it cannot start', async () => {
    await expect(startPrometheus({ extraFlags: ['--no-such-flag'] })).rejects.toThrow(/exited.*\n[\s\S]*no-such-flag/);
  });

  it('fails with promtool\'s message for text without # EOF', async () => {
    await expect(startPrometheus({ openMetrics: 'x 1 1795485600\n' })).rejects.toThrow(/promtool[\s\S]*EOF/);
  });
});

const noAlertmanager = !hasBinary('prometheus-alertmanager');
describe.skipIf(noAlertmanager)(`startAlertmanager${noAlertmanager ? ' (skipped: prometheus-alertmanager not on PATH)' : ''}`, () => {
  it('runs without clustering, delivers a posted alert to the webhook, and stops', async () => {
    const hook = await startStubServer(() => ({ status: 200, body: '' }));
    const am = await startAlertmanager({ webhookUrl: `${hook.url}/hook` });
    try {
      const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as { cluster: { status: string } };
      expect(status.cluster.status).toBe('disabled');

      const post = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([{ labels: { alertname: 'LauncherCheck', severity: 'page' }, annotations: { summary: 'hello' } }]),
      });
      expect(post.status).toBe(200);
      const delivered = await waitFor(() => hook.requests.find((r) => r.url === '/hook'), 10_000);
      const payload = JSON.parse(delivered.body) as { alerts: { labels: Record<string, string>; status: string }[] };
      expect(payload.alerts[0]?.labels).toEqual({ alertname: 'LauncherCheck', severity: 'page' });
      expect(payload.alerts[0]?.status).toBe('firing');
    } finally {
      await am.stop();
      await hook.close();
    }
    expect(await refuses(`${am.url}/-/ready`)).toBe(true);
  });

  it('fails with Alertmanager\'s own output for a broken config', async () => {
    await expect(startAlertmanager({ configYaml: 'route: [' })).rejects.toThrow(/alertmanager exited[\s\S]*yaml/i);
  });
});
