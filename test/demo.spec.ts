import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { describeNotification, formatElapsed, parseLogLine, parseNotificationLine } from '../demo/narrate.js';
import { demoRouting } from '../demo/routing.js';
import { renderHistory, renderMetrics, requestCounts } from '../demo/shop.js';
import type { Incident, ShopTraffic } from '../demo/shop.js';
import { parseRoutingConfig } from '../src/notify/routing-config.js';
import { receiversFor } from '../src/routing/route.js';
import { repoRoot, runCli, TSX_LOADER } from './support/cli.js';
import { hasBinary } from './support/process.js';

/**
 * `npm run demo`: the demo shop's counters and the narration (always), and the whole demo end to end with a
 * real Prometheus in its fast mode (skipped without prometheus and promtool on the PATH). Expected timings
 * come from the SLO file's own numbers, not from the demo's output.
 */

const HAS_PROMETHEUS = hasBinary('prometheus') && hasBinary('promtool');
if (!HAS_PROMETHEUS) console.warn('prometheus or promtool not on the PATH: skipping the end-to-end demo runs (sudo apt-get install -y prometheus)');

const SLO_FILE = join(repoRoot, 'demo/slos/checkout-availability.yaml');
const slo = parse(readFileSync(SLO_FILE, 'utf8')) as {
  spec: { objective: number; alerting: { runbook: string; tiers: { severity: string; long: string; short: string; budgetPercent: number }[] } };
};

const leftovers: string[] = [];
afterAll(() => {
  for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
});

describe('demo shop counters', () => {
  const since = Date.parse('2026-01-01T00:00:00Z');
  const traffic: ShopTraffic = { routes: [{ route: '/checkout', ratePerSecond: 20 }, { route: '/products', ratePerSecond: 40 }], baselineErrorShare: 0.001, sinceMs: since };
  const checkout = traffic.routes[0]!;
  const incident: Incident = { route: '/checkout', startMs: since + 3_500_000, durationMs: 100_000, errorShare: 0.5 };

  it('counts requests at the configured rate and error shares', () => {
    // One hour at 20/s is 72,000 requests; 0.1 % of them fail.
    expect(requestCounts(traffic, undefined, checkout, since + 3_600_000)).toEqual({ ok: 71_928, errors: 72 });
    // 100 s of the hour at 50 %: 1,000 errors then, 0.1 % of the other 3,500 s (70) outside.
    expect(requestCounts(traffic, incident, checkout, since + 3_600_000)).toEqual({ ok: 72_000 - 1_070, errors: 1_070 });
    // Another route is not affected.
    expect(requestCounts(traffic, incident, traffic.routes[1]!, since + 3_600_000)).toEqual({ ok: 143_856, errors: 144 });
  });

  it('never lets a counter drop, across the incident and against the history (a drop would be a counter reset)', () => {
    let prev = { ok: 0, errors: 0 };
    for (let t = since; t <= since + 3_700_000; t += 333) {
      const now = requestCounts(traffic, incident, checkout, t);
      expect(now.ok).toBeGreaterThanOrEqual(prev.ok);
      expect(now.errors).toBeGreaterThanOrEqual(prev.errors);
      // Before the incident the counts are exactly those without one (what the history was written with).
      if (t < incident.startMs) expect(now).toEqual(requestCounts(traffic, undefined, checkout, t));
      prev = now;
    }
  });

  it('writes history that promtool accepts and that the live /metrics page continues', () => {
    const end = since + 60_000;
    const text = renderHistory(traffic, end, 15_000, { job: 'demo-shop', instance: 'shop-1' });
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe('# EOF');
    expect(lines.slice(0, -1)).not.toContain('');
    // 5 time stamps (0, 15, 30, 45, 60 s) x 2 routes x 2 codes, in time order, time stamps in seconds.
    const samples = lines.filter((l) => l.startsWith('demo_http_requests_total{'));
    expect(samples).toHaveLength(20);
    const stamps = samples.map((l) => Number(l.split(' ').at(-1)));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(stamps.at(-1)).toBe(end / 1000);
    const last = samples.find((l) => l.includes('route="/checkout"') && l.includes('code="500"') && l.endsWith(` ${end / 1000}.000`));
    expect(last).toContain('instance="shop-1"');
    const live = renderMetrics(traffic, undefined, end).split('\n').find((l) => l.includes('route="/checkout"') && l.includes('code="500"'));
    expect(last?.split(' ')[1]).toBe(live?.split(' ')[1]);
  });
});

describe('demo narration', () => {
  const firing = {
    type: 'burnwatch.notification', version: 1, receiver: 'console', id: 'n1', alertKey: 'checkout-availability/{}/page',
    status: 'firing', kind: 'burn', severity: 'page',
    slo: { id: 'checkout-availability', name: 'checkout-availability', service: 'shop', displayName: 'Demo shop checkout', objective: 99, period: '1d' },
    instance: {}, labels: {},
    annotations: { summary: 'Demo shop checkout: error budget burning at 18.5x over 2m (threshold 14.4x); 88.2% of the budget left', runbook: 'demo/runbooks/checkout-availability.md' },
    tiers: [{ name: 'page-2m-30s', longWindow: '2m', shortWindow: '30s', longBurnRate: 18.5, shortBurnRate: '+Inf', threshold: 14.4, active: true }],
    budget: { remaining: 0.882, timeToExhaustionMs: 100_800_000, timeToExhaustion: '1d 4h' },
    links: { runbook: null, sliQuery: null, dashboard: null },
    startsAt: '2026-01-01T00:01:10.000Z', endsAt: null, resolution: null, createdAt: '2026-01-01T00:01:10.000Z',
  };

  it('tells a page with its burn rates, budget and runbook path (openable when the file is there)', () => {
    const n = parseNotificationLine(JSON.stringify(firing));
    expect(n).toBeDefined();
    const lines = describeNotification(n!, { openable: (p) => `file:///repo/${p}` });
    expect(lines[0]).toBe(`PAGE FIRING  ${firing.annotations.summary}`);
    expect(lines.join('\n')).toContain('18.5x over 2m and +Inf over 30s; pages above 14.4x in both');
    expect(lines.join('\n')).toContain('88.2% of the 1d budget left; gone in 1d 4h at this rate');
    expect(lines.find((l) => l.includes('runbook'))).toContain('>>> demo/runbooks/checkout-availability.md <<<');
    expect(lines).toContain(`${' '.repeat(17)}file:///repo/demo/runbooks/checkout-availability.md`);
  });

  it('prefers the runbook link when burnwatch made one', () => {
    const linked = { ...firing, links: { ...firing.links, runbook: 'https://git.example.com/slos/blob/main/demo/runbooks/checkout-availability.md' } };
    const lines = describeNotification(parseNotificationLine(JSON.stringify(linked))!, { openable: () => 'file:///never' });
    expect(lines.join('\n')).toContain('>>> https://git.example.com/slos/blob/main/demo/runbooks/checkout-availability.md <<<');
    expect(lines.join('\n')).not.toContain('file:///never');
  });

  it('tells a resolution with how long it fired and the budget it cost', () => {
    const resolved = { ...firing, status: 'resolved', budget: { remaining: 0.839, timeToExhaustionMs: null, timeToExhaustion: 'not burning' }, resolution: { firedForMs: 90_000, budgetSpent: 0.035 } };
    expect(describeNotification(parseNotificationLine(JSON.stringify(resolved))!)).toEqual([
      'PAGE RESOLVED  Demo shop checkout (checkout-availability), after firing for 1m 30s',
      '    budget       3.5% of the 1d budget spent while it fired; 83.9% left',
    ]);
  });

  it('shortens a warning of the log to one line: message, fields, first line of the error', () => {
    const line = JSON.stringify({ level: 'warn', time: '2026-01-01T00:00:00Z', service: 'burnwatch', version: '0.1.0', component: 'outbox', receiver: 'slack', attempt: 2, error: 'Slack receiver "slack": chat.postMessage failed (ENOTFOUND)\n  check slack.apiUrl', msg: 'notification failed; will retry' });
    expect(parseLogLine(line)).toEqual({ level: 'warn', msg: 'notification failed; will retry', receiver: 'slack', error: 'Slack receiver "slack": chat.postMessage failed (ENOTFOUND)', fields: 'receiver=slack component=outbox attempt=2' });
    expect(parseLogLine('not json')).toBeUndefined();
  });

  it('ignores lines that are not notifications', () => {
    expect(parseNotificationLine('hello')).toBeUndefined();
    expect(parseNotificationLine('{"type":"something.else"}')).toBeUndefined();
    expect(formatElapsed(65_400)).toBe('1:05');
  });
});

describe('demo routing', () => {
  const base = readFileSync(join(repoRoot, 'demo/routing.yaml'), 'utf8');
  const labels = { alertname: 'ShopCheckoutErrorBudgetBurn', slo: 'checkout-availability', service: 'shop', severity: 'page', team: 'demo' };

  it('uses demo/routing.yaml as it is without credentials: the console only, sending at once', () => {
    const routing = demoRouting(base, {});
    expect(routing).toEqual({ receivers: ['console'] });
    const parsed = parseRoutingConfig('demo/routing.yaml', base);
    expect(parsed.ok && receiversFor(parsed.config.route, labels)).toEqual(['console']);
    expect(parsed.ok && parsed.config.route.groupWaitMs).toBe(0);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL: '#demo' }, ['console', 'slack']],
    [{ PAGERDUTY_ROUTING_KEY: 'k' }, ['console', 'pagerduty']],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL: '#demo', PAGERDUTY_ROUTING_KEY: 'k' }, ['console', 'slack', 'pagerduty']],
  ])('adds the receivers whose variables are set (%o) and sends every notification to each', (env, receivers) => {
    const routing = demoRouting(base, env);
    expect(routing.receivers).toEqual(receivers);
    const parsed = parseRoutingConfig('routing.yaml', routing.text ?? '');
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    expect(parsed.ok && receiversFor(parsed.config.route, labels)).toEqual(receivers);
    expect(parsed.ok && receiversFor(parsed.config.route, { ...labels, severity: 'ticket' })).toEqual(receivers);
    // Secrets are named, never written.
    expect(routing.text).not.toContain('xoxb-1');
    expect(routing.text).not.toMatch(/routingKey: k\b/);
  });

  it('says what is missing when the Slack token comes without a channel', () => {
    const routing = demoRouting(base, { SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(routing.receivers).toEqual(['console']);
    expect(routing.note).toContain('SLACK_CHANNEL');
  });
});

it('has an SLO file that burnwatch validate accepts', () => {
  const result = runCli(['validate', 'demo/slos']);
  expect(result.status, result.stderr).toBe(0);
  // No warnings either.
  expect(result.stderr).toBe('ok: 1 SLO in 1 file\n');
});

interface DemoRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the demo as `npm run demo -- <args>` does, in its own process group (killed as a whole on timeout). */
function runDemo(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number; onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void }): Promise<DemoRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, 'demo/run.ts', ...args], {
      cwd: repoRoot,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      options.onStdout?.(stdout, killGroup);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => killGroup('SIGKILL'), options.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const logs = /Logs kept in (\S+) /.exec(stdout)?.[1];
      if (logs !== undefined) leftovers.push(logs);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Seconds on the demo's clock of the first line containing `text` (`[ 1:05] ...`). */
function stampOf(stdout: string, text: string): number | undefined {
  const line = stdout.split('\n').find((l) => l.includes(text));
  const m = line === undefined ? null : /^\[\s*(\d+):(\d\d)\]/.exec(line);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

async function refused(url: string | undefined): Promise<boolean> {
  if (url === undefined) return true;
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

describe.skipIf(!HAS_PROMETHEUS)('npm run demo -- --fast, with a real Prometheus', () => {
  it('pages with the runbook during the incident, resolves after it, exits 0 and leaves nothing running', async () => {
    const run = await runDemo(['--fast'], { timeoutMs: 240_000 });
    expect(run.stderr, run.stdout).toBe('');
    expect(run.code, run.stdout).toBe(0);
    const out = run.stdout;

    const incident = stampOf(out, 'INCIDENT ');
    const recovered = stampOf(out, 'RECOVERED ');
    const page = stampOf(out, 'PAGE FIRING');
    const resolved = stampOf(out, 'PAGE RESOLVED');
    expect([incident, recovered, page, resolved].every((s) => s !== undefined), out).toBe(true);

    // The page tier's thresholds, from the SLO file: the error ratio must exceed burnRate x budget over both windows.
    const tier = slo.spec.alerting.tiers.find((t) => t.severity === 'page')!;
    expect([tier.long, tier.short]).toEqual(['2m', '30s']);
    const budget = 1 - slo.spec.objective / 100;
    const burnRate = (tier.budgetPercent / 100) * (86_400 / 120); // budgetPercent of a 1d budget within 2m
    const limit = burnRate * budget;
    // With half of the requests failing, the 2-minute window holds enough errors only after 120 s x limit / 0.5
    // of incident; the 30-second window drops below the limit 30 s x (1 - limit / 0.5) after its end. Data reach
    // burnwatch late (5 s scrapes, 10 s slots), never early; stamps are whole seconds.
    const pageEarliest = (120 * limit) / 0.5;
    const resolveEarliest = 30 * (1 - limit / 0.5);
    expect(page! - incident!).toBeGreaterThanOrEqual(Math.floor(pageEarliest) - 1);
    expect(page! - incident!).toBeLessThanOrEqual(pageEarliest + 40);
    expect(resolved! - recovered!).toBeGreaterThanOrEqual(Math.floor(resolveEarliest) - 1);
    expect(resolved! - recovered!).toBeLessThanOrEqual(resolveEarliest + 40);

    // The page names the runbook of the SLO file; the resolution comes after the page and says what it cost.
    const pageBlock = out.slice(out.indexOf('PAGE FIRING'), out.indexOf('PAGE RESOLVED'));
    expect(pageBlock).toContain(`>>> ${slo.spec.alerting.runbook} <<<`);
    expect(out.slice(out.indexOf('PAGE RESOLVED'))).toMatch(/after firing for \d+(m \d+)?s[\s\S]*% of the 1d budget spent while it fired/);
    expect(out.match(/PAGE FIRING/g)).toHaveLength(1);
    expect(out).not.toContain('TICKET FIRING');

    // Everything it started is gone: Prometheus and burnwatch's HTTP port and the shop refuse connections.
    expect(await refused(/Prometheus\s+(http:\/\/\S+)/.exec(out)?.[1])).toBe(true);
    expect(await refused(/status: (http:\/\/\S+)/.exec(out)?.[1])).toBe(true);
    expect(await refused(/demo shop\s+(http:\/\/\S+)/.exec(out)?.[1])).toBe(true);
  }, 250_000);

  it('stops everything on Ctrl-C (SIGINT to the process group) and exits 130', async () => {
    let sent = false;
    const run = await runDemo(['--fast'], {
      timeoutMs: 120_000,
      onStdout: (text, kill) => {
        if (!sent && text.includes('timeline ')) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    expect(sent, run.stdout).toBe(true);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(130);
    expect(run.stderr).toContain('stopped (Ctrl-C)');
    expect(await refused(/Prometheus\s+(http:\/\/\S+)/.exec(run.stdout)?.[1])).toBe(true);
    expect(await refused(/status: (http:\/\/\S+)/.exec(run.stdout)?.[1])).toBe(true);
  }, 130_000);
});

it('without Prometheus on the PATH, prints the one install command and exits 1', async () => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'burnwatch-demo-path-'));
  leftovers.push(emptyPath);
  const run = await runDemo([], { env: { ...process.env, PATH: emptyPath }, timeoutMs: 60_000 });
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr.split('\n').filter((l) => l.includes('apt-get'))).toEqual(['  sudo apt-get install -y prometheus']);
}, 60_000);
