import { parse, stringify } from 'yaml';

/**
 * The demo's routing: demo/routing.yaml (console only) as it is, or, when Slack or PagerDuty credentials
 * are in the environment, that file plus those receivers, every notification going to every receiver.
 * Secrets stay in the environment: the config names the variables, burnwatch reads them. Pure.
 */

export interface DemoRouting {
  /** The routing config to write, or undefined to use demo/routing.yaml unchanged. */
  readonly text?: string;
  readonly receivers: readonly string[];
  /** Something to tell the user (a half-configured receiver). */
  readonly note?: string;
}

function isSet(env: Readonly<Record<string, string | undefined>>, name: string): boolean {
  return (env[name] ?? '') !== '';
}

export function demoRouting(baseText: string, env: Readonly<Record<string, string | undefined>>): DemoRouting {
  const slack = isSet(env, 'SLACK_BOT_TOKEN') && isSet(env, 'SLACK_CHANNEL');
  const pagerduty = isSet(env, 'PAGERDUTY_ROUTING_KEY');
  const note = isSet(env, 'SLACK_BOT_TOKEN') && !slack
    ? { note: 'SLACK_BOT_TOKEN is set but SLACK_CHANNEL is not: set SLACK_CHANNEL too (e.g. "#demo"; the bot must be a member) to send to Slack' }
    : {};
  const config = parse(baseText) as { route: Record<string, unknown>; receivers: Record<string, unknown>[] };
  const base = config.receivers.map((r) => String(r['name']));
  if (!slack && !pagerduty) return { receivers: base, ...note };
  if (slack) config.receivers.push({ name: 'slack', slack: { token: { env: 'SLACK_BOT_TOKEN' }, channel: env['SLACK_CHANNEL'] } });
  if (pagerduty) config.receivers.push({ name: 'pagerduty', pagerduty: { routingKey: { env: 'PAGERDUTY_ROUTING_KEY' } } });
  const receivers = config.receivers.map((r) => String(r['name']));
  // A child route without matchers takes every alert; `continue` passes it on to the next one as well.
  config.route['routes'] = receivers.map((receiver) => ({ receiver, continue: true }));
  return { text: stringify(config), receivers, ...note };
}
