import { describe, expect, it } from 'vitest';
import { sloModel } from '../../test/support/slo-model.js';
import { buildNotification } from '../alerting/notification.js';
import type { Observation } from '../slo/evaluate.js';
import { renderAlertmanagerBody } from './alertmanager/render.js';
import { contractNotification } from './contract.js';
import { renderPagerDutyTrigger } from './pagerduty/render.js';
import { renderSlackFiring, renderSlackResolved } from './slack/render.js';

/**
 * With the daemon's external URL configured, every Slack message, PagerDuty event and Alertmanager alert
 * links to the SLO instance's status page. URLs written by hand from the page's route (`/slos/<id>`, the
 * instance as `?instance=<labels as JSON>`, percent-encoded).
 */

const PAGE = 'https://burnwatch.example.com/slos/checkout-availability?instance=%7B%22route%22%3A%22%2Fcart%22%7D';
const OBS: Observation = {
  atMs: Date.parse('2026-01-01T12:05:00Z'),
  tiers: [],
  raw: { page: true, ticket: false },
  unknown: false,
  budget: { remaining: 0.5, consumed: 0.5, timeToExhaustionMs: null, errorRatio: 0.0005, events: 1000, periodStartMs: 0, periodEndMs: 0 },
  currentBurnRate: 2,
};

function built(statusPageUrl: string | undefined, instance: Record<string, string>): ReturnType<typeof buildNotification> {
  return buildNotification({
    id: 'n1', slo: sloModel(), instance, instanceKey: JSON.stringify(instance), kind: 'burn', severity: 'page', status: 'firing',
    obs: OBS, firedAtMs: OBS.atMs, links: statusPageUrl === undefined ? {} : { statusPageUrl }, atMs: OBS.atMs,
  });
}

describe('the SLO page link of a notification', () => {
  it('is the page of the SLO under the external URL, the instance in its query, a trailing slash of the URL dropped', () => {
    expect(built('https://burnwatch.example.com/', { route: '/cart' }).links.sloPage).toBe(PAGE);
    expect(built('https://burnwatch.example.com/status', {}).links.sloPage).toBe('https://burnwatch.example.com/status/slos/checkout-availability');
  });

  it('is absent without an external URL', () => {
    expect(built(undefined, { route: '/cart' }).links).not.toHaveProperty('sloPage');
  });
});

describe('renderers link to the SLO page', () => {
  const n = contractNotification({ links: { ...contractNotification().links, sloPage: PAGE } });

  it('Slack: a link in the firing and the resolved message', () => {
    const link = `<${PAGE.replace(/&/g, '&amp;')}|SLO status page>`;
    expect(JSON.stringify(renderSlackFiring(n).blocks)).toContain(JSON.stringify(link).slice(1, -1));
    expect(JSON.stringify(renderSlackResolved({ ...n, status: 'resolved' }).blocks)).toContain(JSON.stringify(link).slice(1, -1));
  });

  it('PagerDuty: the first of the event links', () => {
    expect(renderPagerDutyTrigger(n, { severity: 'critical', source: 'burnwatch', client: 'burnwatch' }).links?.[0]).toEqual({ href: PAGE, text: 'SLO status page' });
  });

  it('Alertmanager: the generatorURL and an slo_page_url annotation', () => {
    const [alert] = renderAlertmanagerBody(n, { resendDelayMs: 60_000, evaluationIntervalMs: 60_000 });
    expect(alert?.generatorURL).toBe(PAGE);
    expect(alert?.annotations.slo_page_url).toBe(PAGE);
  });

  it('none of them links anywhere new without it', () => {
    const plain = contractNotification();
    expect(JSON.stringify(renderSlackFiring(plain))).not.toContain('SLO status page');
    expect(renderPagerDutyTrigger(plain, { severity: 'critical', source: 'burnwatch', client: 'burnwatch' }).links?.map((l) => l.text)).not.toContain('SLO status page');
    expect(renderAlertmanagerBody(plain, { resendDelayMs: 60_000, evaluationIntervalMs: 60_000 })[0]?.annotations).not.toHaveProperty('slo_page_url');
  });
});
