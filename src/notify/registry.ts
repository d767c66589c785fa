import { alertmanagerNotifier } from './alertmanager/index.js';
import { consoleNotifier } from './console/index.js';
import type { NotifierFactory } from './notifier.js';
import { pagerDutyNotifier } from './pagerduty/index.js';
import { slackNotifier } from './slack/index.js';
import { webhookNotifier } from './webhook/index.js';

/**
 * Every destination burnwatch can notify, by the key that selects it in a receiver (`slack:`,
 * `pagerduty:`, ...). Adding a destination = one folder under src/notify/ and one line here; the routing
 * config's receiver schema, its "did you mean" hints and `buildReceivers` all come from this list.
 */
export const notifierFactories: readonly NotifierFactory<unknown>[] = [
  slackNotifier,
  pagerDutyNotifier,
  alertmanagerNotifier,
  webhookNotifier,
  consoleNotifier,
];
