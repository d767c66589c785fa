import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import type { Logger } from '../src/logger.js';
import { StartupError } from '../src/runtime/startup-error.js';
import { startDaemon } from '../src/wiring.js';
import { counter, FakeMetrics } from './support/fake-metrics.js';
import { ManualTimers } from './support/manual-timers.js';
import type { SlackEmulator } from './support/slack-emulator.js';
import { startSlackEmulator } from './support/slack-emulator.js';

/**
 * The daemon's weekly digest through the Slack emulator: a daemon (in this process, on a hand-stepped clock)
 * watches checkout through an incident on Sunday evening, November 15th 2026; on Monday at 09:00 in Berlin it
 * posts the digest of the week before, which lists that page. Slack's first answer is an error (the outbox
 * retries); a restart after the digest went out does not post it again.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.parse('2026-11-15T19:00:00Z');
const INCIDENT = [Date.parse('2026-11-15T20:10:00Z'), Date.parse('2026-11-15T20:40:00Z')] as const;
/** Monday 2026-11-16 09:00 in Berlin (UTC+1). */
const DIGEST_AT = Date.parse('2026-11-16T08:00:00Z');
const TOKEN = 'xoxb-digest-test';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => quiet };

const SLO = `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: checkout-availability, service: checkout, displayName: "Checkout <!channel>" }
spec:
  objective: 99.9
  period: 30d
  indicator:
    events:
      errors: http_requests_total{service="checkout",code="500"}
      total: http_requests_total{service="checkout"}
  alerting:
    minEvents: 0
    exhaustion: { disabled: true }
`;

function metrics(): FakeMetrics {
  const failing = (t: number) => t > INCIDENT[0] && t <= INCIDENT[1];
  return new FakeMetrics([
    counter({ __name__: 'http_requests_total', service: 'checkout', code: '200' }, (t) => (failing(t) ? 7 : 10), { startMs: START - 9 * 24 * HOUR, scrapeMs: 60_000 }),
    counter({ __name__: 'http_requests_total', service: 'checkout', code: '500' }, (t) => (failing(t) ? 3 : 0.001), { startMs: START - 9 * 24 * HOUR, scrapeMs: 60_000 }),
  ]);
}

let slack: SlackEmulator;
let dir: string;

function settings(receiver = 'reports-slack'): string {
  return `reports:
  digests:
    - { name: weekly-slo, every: week, timezone: Europe/Berlin, at: "09:00", receiver: ${receiver} }
routing:
  file: routing.yaml
`;
}

function setup(receiver?: string) {
  writeFileSync(join(dir, 'burnwatch.yaml'), settings(receiver));
  const loaded = loadConfig(join(dir, 'burnwatch.yaml'), { BURNWATCH_SLOS: join(dir, 'slos'), BURNWATCH_DB: join(dir, 'data', 'burnwatch.db'), BURNWATCH_INTERVAL: '1m', BURNWATCH_MAX_BACKFILL: '8d' });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.config;
}

describe('weekly report digest to Slack through the outbox', () => {
  beforeAll(async () => {
    slack = await startSlackEmulator({ token: TOKEN, channels: { reports: 'C0REPORTS1' } });
    dir = mkdtempSync(join(tmpdir(), 'burnwatch-digest-'));
    mkdirSync(join(dir, 'slos'));
    writeFileSync(join(dir, 'slos', 'checkout.yaml'), SLO);
    writeFileSync(join(dir, 'routing.yaml'), `route: { receiver: console, group_wait: 0s }
receivers:
  - { name: console, console: {} }
  - name: reports-slack
    slack: { token: { env: SLACK_BOT_TOKEN }, channel: "#reports", apiUrl: "${slack.apiUrl}" }
  - name: pager
    pagerduty: { routingKey: { env: PD_KEY } }
`);
  });
  afterAll(async () => {
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a digest to a receiver that takes none, naming the setting', async () => {
    await expect(startDaemon(setup('pager'), { env: { SLACK_BOT_TOKEN: TOKEN, PD_KEY: 'R0123456789012345678901234567890' }, cwd: dir, timers: new ManualTimers(START), random: () => 0.5, logger: quiet, stdout: { write: () => true }, version: 'test', source: metrics() }))
      .rejects.toThrow(StartupError);
    let error: unknown;
    try {
      await startDaemon(setup('nobody'), { env: { SLACK_BOT_TOKEN: TOKEN, PD_KEY: 'R0123456789012345678901234567890' }, cwd: dir, timers: new ManualTimers(START), random: () => 0.5, logger: quiet, stdout: { write: () => true }, version: 'test', source: metrics() });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).errors[0]).toMatchObject({ path: 'reports.digests[0].receiver', message: expect.stringContaining('receiver "nobody"') });
  });

  it('posts the digest of the past week on Monday at 09:00 in Berlin, once, with the page of Sunday night', async () => {
    const config = setup();
    const env = { SLACK_BOT_TOKEN: TOKEN, PD_KEY: 'R0123456789012345678901234567890' };
    let out = '';
    const timers = new ManualTimers(START);
    const daemon = await startDaemon(config, { env, cwd: dir, timers, random: () => 0.5, logger: quiet, stdout: { write: (t: string) => { out += t; } }, version: 'test', source: metrics() });
    daemon.run();
    await timers.advanceTo(DIGEST_AT - MIN);
    expect(slack.calls('chat.postMessage')).toEqual([]);
    // The first post fails (Slack answers 500): the outbox tries again.
    slack.failNext({ kind: 'http', status: 500, body: 'oops' });
    await timers.advanceTo(DIGEST_AT + 5 * MIN);
    await daemon.stop();

    const posts = slack.calls('chat.postMessage');
    expect(posts.map((p) => p.answer.status)).toEqual([500, 200]);
    expect(slack.messages).toHaveLength(1);
    const text = JSON.stringify(slack.messages[0]!.blocks);
    expect(text).toContain('SLO weekly report: week of 2026-11-09');
    // The page as the daemon notified it (console receiver): firing at startsAt, resolved at endsAt.
    const alerts = out.trim().split('\n').map((l) => JSON.parse(l) as { status: string; severity: string; startsAt: string; endsAt?: string });
    const resolved = alerts.find((a) => a.severity === 'page' && a.status === 'resolved')!;
    const minutes = Math.round((Date.parse(resolved.endsAt!) - Date.parse(resolved.startsAt)) / MIN);
    // By hand: the 30-minute incident pages within minutes and resolves about half an hour after it ends.
    expect(minutes).toBeGreaterThan(30);
    expect(minutes).toBeLessThan(75);
    // Berlin: 21:1x on Sunday.
    const local = new Date(Date.parse(resolved.startsAt) + HOUR).toISOString().slice(0, 16).replace('T', ' ');
    expect(text).toMatch(new RegExp(`Checkout &lt;!channel&gt;: ${local}, ${minutes}m`));
    expect(text).toContain(`Pages: 1 (mean time to resolve ${minutes}m)`);
    expect(text).not.toContain('<!channel>');

    // A new process on the same database, still within the digest's day: nothing is posted again.
    const timers2 = new ManualTimers(DIGEST_AT + 10 * MIN);
    const again = await startDaemon(config, { env, cwd: dir, timers: timers2, random: () => 0.5, logger: quiet, stdout: { write: () => true }, version: 'test', source: metrics() });
    again.run();
    await timers2.advanceTo(DIGEST_AT + 40 * MIN);
    await again.stop();
    expect(slack.calls('chat.postMessage')).toHaveLength(2);
  }, 300_000);
});
