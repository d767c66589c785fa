import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractNotification, capturingLogger } from '../src/notify/contract.js';
import { AlertmanagerConfig, alertmanagerNotifier } from '../src/notify/alertmanager/index.js';
import type { AlertNotification, Notifier, SendOutcome } from '../src/notify/notifier.js';
import { renderWebhookPayload } from '../src/notify/webhook/render.js';
import type { WebhookMessage } from '../src/notify/webhook/render.js';
import { labelsFingerprint } from '../src/routing/labels.js';
import { hasBinary, startAlertmanager } from './support/alertmanager.js';
import type { RunningAlertmanager } from './support/alertmanager.js';
import { startStubServer } from './support/http-stub.js';
import type { StubServer } from './support/http-stub.js';

/**
 * The Alertmanager destination against a real Alertmanager 0.25 (Debian's `prometheus-alertmanager`):
 * what it stores from our posts (GET /api/v2/alerts) and what it sends on to its own webhook receiver,
 * which is also the oracle for our webhook destination's payload (fingerprint, groupKey, zero endsAt).
 */

interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
  readonly fingerprint: string;
  readonly status: { readonly state: string };
}

const noAlertmanager = !hasBinary('prometheus-alertmanager');
const MIN = 60_000;

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function failed(outcome: SendOutcome): Extract<SendOutcome, { ok: false }> {
  if (outcome.ok) throw new Error('expected a failure');
  return outcome;
}

describe.skipIf(noAlertmanager)(`Alertmanager 0.25 destination${noAlertmanager ? ' (skipped: prometheus-alertmanager not on PATH)' : ''}`, () => {
  let am: RunningAlertmanager;
  let hook: StubServer;
  let notifier: Notifier;
  const ctx = () => ({ signal: new AbortController().signal });

  // Times near the wall clock, so Alertmanager treats the alert as current.
  const evaluatedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const firing: AlertNotification = contractNotification({
    labels: { ...contractNotification().labels, alertname: 'BurnwatchIntegration', slo: `it-${evaluatedAt.getTime()}` },
    startsAt: new Date(evaluatedAt.getTime() - 5 * MIN),
    createdAt: evaluatedAt,
  });

  async function getAlerts(query = ''): Promise<GettableAlert[]> {
    const res = await fetch(`${am.url}/api/v2/alerts${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as GettableAlert[];
  }
  const ours = (alerts: GettableAlert[]): GettableAlert | undefined => alerts.find((a) => a.labels.slo === firing.labels.slo);

  function webhookMessages(status: 'firing' | 'resolved'): WebhookMessage[] {
    return hook.requests
      .map((r) => JSON.parse(r.body) as WebhookMessage)
      .filter((m) => m.status === status && m.alerts.some((a) => a.labels.slo === firing.labels.slo));
  }

  beforeAll(async () => {
    hook = await startStubServer(() => ({ status: 200, body: '' }));
    am = await startAlertmanager({ webhookUrl: `${hook.url}/hook`, groupWait: '0s', groupInterval: '1s' });
    notifier = alertmanagerNotifier.create('am', AlertmanagerConfig.parse({ url: am.url }), { logger: capturingLogger(), secrets: () => '' });
  });
  afterAll(async () => {
    await am?.stop();
    await hook?.close();
  });

  it('stores a firing alert with our labels, annotations (runbook included), generatorURL and endsAt', async () => {
    expect(await notifier.send(firing, ctx())).toEqual({ ok: true });
    const alert = await waitFor(async () => ours(await getAlerts()), 10_000, 'the posted alert');
    expect(alert.labels).toEqual(firing.labels);
    expect(alert.annotations).toMatchObject({
      summary: 'Checkout is failing requests',
      runbook_url: 'https://runbooks.example.com/checkout/availability',
      budget_remaining: '62.5%',
      time_to_exhaustion: '2d 4h',
    });
    expect(alert.generatorURL).toBe(firing.links.sliQuery);
    expect(alert.status.state).toBe('active');
    expect(Date.parse(alert.startsAt)).toBe(firing.startsAt.getTime());
    // endsAt = evaluation + 4 x max(resendDelay 1m, evaluation interval 1m).
    expect(Date.parse(alert.endsAt)).toBe(evaluatedAt.getTime() + 4 * MIN);
    // Alertmanager's fingerprint of the label set is what our webhook payload computes.
    expect(alert.fingerprint).toBe(labelsFingerprint(firing.labels));
  });

  it('passes the alert on to its webhook exactly as our webhook destination renders it', async () => {
    const [message] = await waitFor(() => {
      const found = webhookMessages('firing');
      return found.length > 0 ? found : undefined;
    }, 10_000, 'Alertmanager\'s firing webhook');
    const ourPayload = renderWebhookPayload(firing, { receiver: 'default', externalUrl: message!.externalURL });
    const { alerts: amAlerts, ...amEnvelope } = message!;
    const { alerts: ourAlerts, ...ourEnvelope } = ourPayload;
    expect(amEnvelope).toEqual(ourEnvelope);
    const [amAlert] = amAlerts;
    const [ourAlert] = ourAlerts;
    expect({ ...amAlert, startsAt: Date.parse(amAlert!.startsAt) }).toEqual({ ...ourAlert, startsAt: Date.parse(ourAlert!.startsAt) });
    expect(amAlert!.endsAt).toBe('0001-01-01T00:00:00Z');
  });

  it('resolves the alert: it leaves the active view and the resolve keeps the annotations', async () => {
    const resolvedAt = new Date();
    const resolved: AlertNotification = {
      ...firing,
      status: 'resolved',
      endsAt: resolvedAt,
      resolution: { firedForMs: resolvedAt.getTime() - firing.startsAt.getTime(), budgetSpent: 0.021 },
      createdAt: resolvedAt,
    };
    expect(await notifier.send(resolved, ctx())).toEqual({ ok: true });

    // Alertmanager 0.25 leaves an alert whose endsAt has passed out of GET /api/v2/alerts whatever the
    // filters (measured: the default view, active=false, and every flag true or false all omit it); it does
    // not list it with an endsAt in the past.
    await waitFor(async () => (ours(await getAlerts()) === undefined ? true : undefined), 10_000, 'the alert to leave the active view');
    for (const query of ['?active=true&silenced=true&inhibited=true&unprocessed=true', '?active=false', '?active=false&silenced=false&inhibited=false&unprocessed=false']) {
      expect(ours(await getAlerts(query)), query).toBeUndefined();
    }

    const [message] = await waitFor(() => {
      const found = webhookMessages('resolved');
      return found.length > 0 ? found : undefined;
    }, 10_000, 'Alertmanager\'s resolved webhook');
    const [amAlert] = message!.alerts;
    expect(amAlert?.status).toBe('resolved');
    expect(Date.parse(amAlert!.endsAt)).toBe(resolvedAt.getTime());
    // The resolve carried the full annotations and generatorURL, so nothing was blanked.
    expect(amAlert?.annotations).toMatchObject({ summary: 'Checkout is failing requests', runbook_url: 'https://runbooks.example.com/checkout/availability' });
    expect(amAlert?.annotations.resolution).toMatch(/^resolved after 5m/);
    expect(amAlert?.generatorURL).toBe(firing.links.sliQuery);
    const ourPayload = renderWebhookPayload(resolved, { receiver: 'default', externalUrl: message!.externalURL });
    expect(amAlert?.annotations).toEqual(ourPayload.alerts[0]?.annotations);
    expect(message!.groupKey).toBe(ourPayload.groupKey);
  });

  it('classifies the 400 for an invalid label name as permanent, with Alertmanager\'s reason', async () => {
    const bad = contractNotification({ labels: { alertname: 'BurnwatchIntegration', 'bad-name': 'x' }, createdAt: new Date() });
    const outcome = failed(await notifier.send(bad, ctx()));
    expect([outcome.retryable, outcome.reason]).toEqual([false, 'client-error']);
    expect(outcome.error.message).toMatch(/answered 400: .*invalid name "bad-name"/);
    expect((await getAlerts()).some((a) => a.labels['bad-name'] !== undefined)).toBe(false);
  });
});
