import { describe, expect, it } from 'vitest';
import { isInhibited } from '../routing/inhibit.js';
import { receiversFor } from '../routing/route.js';
import type { LocatedProblem } from '../formats/located.js';
import type { NotifierDeps } from './notifier.js';
import type { RoutingConfig } from './routing-config.js';
import { silentLogger as logger } from '../../test/support/logger.js';
import {
  buildReceivers, DEFAULT_ROUTING_CONFIG_FILE, defaultRoutingConfig, inhibitRulesFor, parseRoutingConfig, routedReceivers,
} from './routing-config.js';

const FILE = 'routing.yaml';

const EXAMPLE = `route:
  receiver: default
  group_by: [slo, severity]
  routes:
    - matchers: ['severity="page"', 'team="payments"']
      receiver: payments-pager
      continue: true
    - matchers: ['severity=~"page|ticket"']
      receiver: alertmanager
      group_wait: 10s
receivers:
  - name: payments-pager
    pagerduty: { routingKey: { env: PD_PAYMENTS_KEY } }
  - name: alertmanager
    alertmanager: { url: "http://alertmanager:9093" }
  - name: default
    console: {}
inhibit_rules:
  - source_matchers: ['alertname="SLOBurnRateNoData"']
    target_matchers: ['severity="ticket"']
    equal: [slo]
links:
  runbookBaseUrl: https://github.com/acme/slos/blob/main/
  prometheusUrl: https://prometheus.example.com
`;

function parseOk(text: string): RoutingConfig {
  const r = parseRoutingConfig(FILE, text);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.path} ${e.message}`).join('\n'));
  return r.config;
}

function errorsOf(text: string): LocatedProblem[] {
  const r = parseRoutingConfig(FILE, text);
  if (r.ok) throw new Error('expected errors');
  return [...r.errors];
}


function deps(env: Record<string, string>, out: string[] = []): NotifierDeps {
  return {
    logger,
    stdout: { write: (text: string) => out.push(text) },
    secrets: (ref, what) => {
      if ('env' in ref && ref.env !== undefined) {
        const value = env[ref.env];
        if (value === undefined) throw new Error(`environment variable ${ref.env} is not set (${what})`);
        return value;
      }
      throw new Error(`cannot read ${ref.file ?? '?'} (${what})`);
    },
  };
}

describe('parseRoutingConfig: a valid file', () => {
  const config = parseOk(EXAMPLE);

  it('builds the route tree with inherited settings', () => {
    expect(config.route.receiver).toBe('default');
    expect(config.route.groupBy).toEqual(['slo', 'severity']);
    expect(config.route.routes.map((r) => [r.receiver, r.continue, r.groupBy, r.groupWaitMs])).toEqual([
      ['payments-pager', true, ['slo', 'severity'], 30_000],
      ['alertmanager', false, ['slo', 'severity'], 10_000],
    ]);
  });

  it('routes like Alertmanager', () => {
    expect(receiversFor(config.route, { severity: 'page', team: 'payments' })).toEqual(['payments-pager', 'alertmanager']);
    expect(receiversFor(config.route, { severity: 'ticket', team: 'payments' })).toEqual(['alertmanager']);
    expect(receiversFor(config.route, { severity: 'info' })).toEqual(['default']);
    expect(routedReceivers(config).sort()).toEqual(['alertmanager', 'default', 'payments-pager']);
  });

  it('keeps each receiver\'s destination config, parsed by its factory schema', () => {
    expect(config.receivers.map((r) => [r.name, r.kind])).toEqual([['payments-pager', 'pagerduty'], ['alertmanager', 'alertmanager'], ['default', 'console']]);
    // Defaults of the Alertmanager schema are filled in.
    expect(config.receivers[1]?.config).toMatchObject({ url: 'http://alertmanager:9093', resendDelay: 60_000, evaluationInterval: 60_000, timeoutMs: 10_000 });
    expect(config.receivers[0]?.location).toMatchObject({ file: FILE, line: 13, col: 5 });
  });

  it('reads links and inhibit rules; the built-in page-inhibits-ticket rule comes first', () => {
    expect(config.links).toEqual({ runbookBaseUrl: 'https://github.com/acme/slos/blob/main/', prometheusUrl: 'https://prometheus.example.com' });
    const rules = inhibitRulesFor(config, ['route']);
    expect(rules.map((r) => r.equal)).toEqual([['slo', 'route'], ['slo']]);
    expect(isInhibited({ slo: 'a', severity: 'ticket' }, [{ slo: 'a', severity: 'page' }], rules)).toBe(true);
    expect(isInhibited({ slo: 'a', severity: 'ticket' }, [{ slo: 'a', alertname: 'SLOBurnRateNoData' }], rules)).toBe(true);
    expect(isInhibited({ slo: 'a', severity: 'ticket' }, [{ slo: 'b', alertname: 'SLOBurnRateNoData' }], rules)).toBe(false);
  });
});

describe('parseRoutingConfig: located errors', () => {
  const base = (routes: string): string =>
    `route:\n  receiver: default\n  routes:\n${routes}receivers:\n  - name: default\n    console: {}\n  - name: payments-pager\n    console: {}\n`;

  const cases: readonly {
    readonly name: string;
    readonly text: string;
    readonly at: readonly [number, number];
    readonly path: string;
    readonly message: RegExp;
    readonly hint?: RegExp;
  }[] = [
    {
      name: 'a route names an unknown receiver',
      text: base('    - matchers: [\'team="payments"\']\n      receiver: payments-pagr\n'),
      at: [5, 17], path: 'route.routes[0].receiver', message: /unknown receiver "payments-pagr"/, hint: /did you mean "payments-pager"/,
    },
    {
      name: 'the root names an unknown receiver',
      text: 'route:\n  receiver: nobody\nreceivers:\n  - name: default\n    console: {}\n',
      at: [2, 13], path: 'route.receiver', message: /unknown receiver "nobody"/, hint: /use one of: default/,
    },
    {
      name: 'a misspelt key in a nested route',
      text: base('    - matchers: [\'team="payments"\']\n      routes:\n        - recevier: default\n'),
      at: [6, 11], path: 'route.routes[0].routes[0].recevier', message: /unknown field "recevier"/, hint: /did you mean "receiver"/,
    },
    {
      name: 'a bad matcher syntax',
      text: base('    - matchers: [\'team="payments"\', \'severity\']\n      receiver: default\n'),
      at: [4, 37], path: 'route.routes[0].matchers[1]', message: /bad matcher "severity"/, hint: /severity="page"/,
    },
    {
      name: 'a bad regex',
      text: base('    - matchers:\n        - slo=~"api-(.*"\n      receiver: default\n'),
      at: [5, 11], path: 'route.routes[0].matchers[0]', message: /invalid regular expression/,
    },
    {
      name: 'duplicate receiver names',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    console: {}\n  - name: default\n    console: {}\n',
      at: [6, 11], path: 'receivers[1].name', message: /receiver name "default" is already used by receivers\[0\] \(line 4\)/,
    },
    {
      name: 'an unknown destination key',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    slak: {}\n',
      at: [5, 5], path: 'receivers[0].slak', message: /unknown field "slak"/, hint: /did you mean "slack"/,
    },
    {
      name: 'a receiver without destination',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n',
      at: [4, 5], path: 'receivers[0]', message: /receiver "default" has no destination/, hint: /console: \{\}/,
    },
    {
      name: 'a receiver with two destinations',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    console: {}\n    webhook: { url: "https://hooks.example.com/x" }\n',
      at: [6, 5], path: 'receivers[0].webhook', message: /receiver "default" has both console and webhook/,
    },
    {
      name: 'a destination setting of the wrong shape',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    webhook: { url: "ftp://x" }\n',
      at: [5, 21], path: 'receivers[0].webhook.url', message: /is not an http\(s\) URL/,
    },
    {
      name: 'a secret written into the file',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    pagerduty: { routingKey: "R0UT1NGK3Y" }\n',
      at: [5, 30], path: 'receivers[0].pagerduty.routingKey', message: /must not hold the secret itself/,
    },
    {
      name: 'matchers on the root route',
      text: 'route:\n  receiver: default\n  matchers: [\'a="1"\']\nreceivers:\n  - name: default\n    console: {}\n',
      at: [3, 3], path: 'route.matchers', message: /root route matches every alert/,
    },
    {
      name: '"..." with other labels in group_by',
      text: 'route:\n  receiver: default\n  group_by: [slo, "..."]\nreceivers:\n  - name: default\n    console: {}\n',
      at: [3, 3], path: 'route.group_by', message: /cannot be combined/,
    },
    {
      name: 'a duration that is not one',
      text: 'route:\n  receiver: default\n  group_interval: 5 minutes\nreceivers:\n  - name: default\n    console: {}\n',
      at: [3, 19], path: 'route.group_interval', message: /"5 minutes" is not a positive duration/,
    },
    {
      name: 'a zero repeat_interval',
      text: 'route:\n  receiver: default\n  repeat_interval: 0s\nreceivers:\n  - name: default\n    console: {}\n',
      at: [3, 20], path: 'route.repeat_interval', message: /"0s" is not a positive duration/,
    },
    {
      name: 'a misspelt top-level key',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    console: {}\ninhibit_rule: []\n',
      at: [6, 1], path: 'inhibit_rule', message: /unknown field "inhibit_rule"/, hint: /did you mean "inhibit_rules"/,
    },
    {
      name: 'an inhibit rule with a bad matcher',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    console: {}\ninhibit_rules:\n  - source_matchers: [\'severity="page"\']\n    target_matchers: [\'severity=="ticket\']\n',
      at: [8, 23], path: 'inhibit_rules[0].target_matchers[0]', message: /(unescaped double quote|closing double quote)/,
    },
    {
      name: 'an inhibit rule without target matchers',
      text: 'route:\n  receiver: default\nreceivers:\n  - name: default\n    console: {}\ninhibit_rules:\n  - source_matchers: [\'severity="page"\']\n    target_matchers: []\n',
      at: [8, 5], path: 'inhibit_rules[0].target_matchers', message: /would mute every alert/,
    },
    {
      name: 'a YAML syntax error',
      text: 'route:\n  receiver: default\n receivers: []\n',
      at: [3, 1], path: '', message: /YAML syntax error/,
    },
    {
      name: 'an empty file',
      text: '# nothing\n',
      at: [1, 1], path: '', message: /the routing config is empty/,
    },
  ];
  it.each(cases)('$name', (c) => {
    const errors = errorsOf(c.text);
    const e = errors.find((x) => x.message.match(c.message));
    expect(e, JSON.stringify(errors, null, 2)).toBeDefined();
    expect([e!.line, e!.col]).toEqual(c.at);
    expect(e!.path).toBe(c.path);
    expect(e!.file).toBe(FILE);
    if (c.hint !== undefined) expect(e!.hint).toMatch(c.hint);
  });

  it('warns about a receiver no route uses', () => {
    const r = parseRoutingConfig(FILE, 'route:\n  receiver: default\nreceivers:\n  - name: default\n    console: {}\n  - name: spare\n    console: {}\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([expect.objectContaining({ line: 6, col: 11, severity: 'warning', message: 'receiver "spare" is not used by any route' })]);
  });
});

describe('buildReceivers', () => {
  it('creates one notifier per receiver', () => {
    const config = parseOk(EXAMPLE);
    const r = buildReceivers(config, deps({ PD_PAYMENTS_KEY: 'R0UT1NGK3Ysecret0123456789abcdef' }));
    expect(r.ok).toBe(true);
    if (r.ok) expect([...r.notifiers.entries()].map(([name, n]) => [name, n.kind, n.name])).toEqual([
      ['payments-pager', 'pagerduty', 'payments-pager'],
      ['alertmanager', 'alertmanager', 'alertmanager'],
      ['default', 'console', 'default'],
    ]);
  });

  it('names the receiver, the field and the environment variable of a missing secret, at its line', () => {
    const r = buildReceivers(parseOk(EXAMPLE), deps({}));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect([e.file, e.line, e.col, e.path]).toEqual([FILE, 13, 18, 'receivers[0].pagerduty.routingKey']);
    expect(e.message).toContain('receiver "payments-pager"');
    expect(e.message).toContain('pagerduty.routingKey');
    expect(e.message).toContain('the environment variable PD_PAYMENTS_KEY');
    expect(e.hint).toContain('set PD_PAYMENTS_KEY');
  });

  it('treats an empty secret as missing, and names a file reference', () => {
    const text = 'route:\n  receiver: hook\nreceivers:\n  - name: hook\n    webhook:\n      url: https://hooks.example.com/x\n      signature:\n        secret: { file: /run/secrets/hook }\n';
    const empty = buildReceivers(parseOk(text), { ...deps({}), secrets: () => '  ' });
    expect(!empty.ok && empty.errors[0]?.message).toMatch(/the file \/run\/secrets\/hook: the file \/run\/secrets\/hook is empty/);
    const missing = buildReceivers(parseOk(text), deps({}));
    expect(missing.ok).toBe(false);
    if (missing.ok) return;
    expect(missing.errors[0]).toMatchObject({ line: 8, col: 9, path: 'receivers[0].webhook.signature.secret' });
    expect(missing.errors[0]?.hint).toMatch(/create \/run\/secrets\/hook/);
  });

  it('reports other creation failures at the destination key', () => {
    const config = parseOk('route:\n  receiver: out\nreceivers:\n  - name: out\n    console: {}\n');
    const r = buildReceivers(config, { logger, secrets: () => 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 5, col: 5, path: 'receivers[0].console', message: expect.stringMatching(/receiver "out": .*stdout/) });
  });
});

describe('the built-in default', () => {
  it('sends every alert to one console receiver', () => {
    const config = defaultRoutingConfig();
    expect(config.file).toBe(DEFAULT_ROUTING_CONFIG_FILE);
    expect(receiversFor(config.route, { severity: 'page', slo: 'x' })).toEqual(['console']);
    expect(receiversFor(config.route, {})).toEqual(['console']);
    const out: string[] = [];
    const built = buildReceivers(config, deps({}, out));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const console = built.notifiers.get('console');
    expect(console?.kind).toBe('console');
  });
});
