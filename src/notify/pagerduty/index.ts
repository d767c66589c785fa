import { readFileSync } from 'node:fs';
import type { SecureContext } from 'node:tls';
import type { AlertNotification, Notifier, NotifierFactory, SendContext, SendOutcome } from '../notifier.js';
import { secretSource } from '../secret-ref.js';
import { classifyPagerDutyExchange } from './classify.js';
import { PagerDutyConfig } from './config.js';
import { PD_LIMITS, alertDedupKey, pagerDutySeverity, renderPagerDutyResolve, renderPagerDutyTrigger } from './render.js';
import { PagerDutyAgent, pagerDutyTlsContext, postEventOnce } from './transport.js';
import type { Logger } from '../../logger.js';
import type { Deadline } from '../../http/deadline.js';
import { clockDeadline } from '../../http/deadline.js';

/**
 * PagerDuty destination (Events API v2 through @pagerduty/pdjs): a firing alert is a `trigger` event, a
 * resolved one a `resolve` event with the same dedup_key, so PagerDuty opens and closes one alert.
 *
 * - dedup_key: the alert's identity (`checkout-availability/page`; one per SLO instance, alert kind and
 *   severity). When the outbox has the dedup_key PagerDuty returned for this alert's trigger
 *   (`previousRef`: given for a resolve and for a reminder), that key is used instead, for the resolve and
 *   for the reminder's re-trigger alike. So a change in how keys are derived never orphans an open alert:
 *   an alert triggered under an older key format is re-triggered and resolved under its stored key and
 *   nothing opens a second incident for it. A resolve for a key PagerDuty does not know is accepted and
 *   dropped by PagerDuty, so resolving without `previousRef` is safe.
 * - One HTTP request per send (see transport.ts for how pdjs's own 429 retries are bypassed); the outbox
 *   owns retries. `externalRef` is the dedup_key from PagerDuty's answer.
 * - The receiver's connections are kept open between its events (`PagerDutyAgent`): the events of one
 *   evaluation go out without a TLS handshake each.
 */

const ROUTING_KEY_RE = /^[A-Za-z0-9]{32}$/;

class PagerDutyNotifier implements Notifier {
  readonly kind = 'pagerduty';
  private readonly url: string;

  constructor(
    readonly name: string,
    private readonly config: PagerDutyConfig,
    private readonly routingKey: string,
    private readonly agent: PagerDutyAgent,
    private readonly logger: Logger,
    private readonly deadline: Deadline,
  ) {
    this.url = `https://${config.eventsHost}/v2/enqueue`;
  }

  async send(notification: AlertNotification, context: SendContext): Promise<SendOutcome> {
    const firing = notification.status === 'firing';
    const previous = context.previousRef;
    const dedupKey = previous !== undefined && previous !== '' && previous.length <= PD_LIMITS.dedupKey ? previous : alertDedupKey(notification);

    const event = firing
      ? renderPagerDutyTrigger(notification, {
          severity: pagerDutySeverity(notification, this.config.severityMap),
          source: this.config.source,
          client: this.config.client,
          dedupKey,
          ...(this.config.clientUrl === undefined ? {} : { clientUrl: this.config.clientUrl }),
        })
      : renderPagerDutyResolve(dedupKey);

    const exchange = await postEventOnce(
      { routing_key: this.routingKey, ...event },
      { server: this.config.eventsHost, agent: this.agent, timeoutMs: this.config.timeoutMs, deadline: this.deadline, signal: context.signal },
    );
    const outcome = classifyPagerDutyExchange(exchange, {
      receiver: this.name,
      action: firing ? 'trigger' : 'resolve',
      dedupKey,
      url: this.url,
      secrets: [this.routingKey],
      timeoutMs: this.config.timeoutMs,
    });
    if (outcome.ok) {
      this.logger.debug({ receiver: this.name, destination: 'pagerduty', action: event.event_action, dedupKey: outcome.externalRef }, 'pagerduty event accepted');
    }
    return outcome;
  }
}

export const pagerDutyNotifier: NotifierFactory<PagerDutyConfig> = {
  kind: 'pagerduty',
  config: PagerDutyConfig,
  create(name, config, deps) {
    const routingKey = deps.secrets(secretSource(config.routingKey), `receiver "${name}": pagerduty.routingKey`).trim();
    if (!ROUTING_KEY_RE.test(routingKey)) {
      throw new Error(
        `receiver "${name}": pagerduty.routingKey: the secret is not a routing key (${routingKey.length} characters; an Events API v2 key is 32 letters and digits)\n` +
          '  use the Integration Key of an "Events API v2" integration of the PagerDuty service (or of a global event ruleset)',
      );
    }
    let secureContext: SecureContext | undefined;
    if (config.caFile !== undefined) {
      let ca: string;
      try {
        ca = readFileSync(config.caFile, 'utf8');
      } catch (err) {
        const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'error';
        throw new Error(`receiver "${name}": pagerduty.caFile: cannot read ${config.caFile} (${code})\n  write the path of a PEM file with the CA certificates to trust, or leave caFile out`, { cause: err });
      }
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        throw new Error(`receiver "${name}": pagerduty.caFile: ${config.caFile} holds no PEM certificate\n  write the path of a PEM file (-----BEGIN CERTIFICATE----- ...)`);
      }
      secureContext = pagerDutyTlsContext(ca);
    }
    return new PagerDutyNotifier(name, config, routingKey, new PagerDutyAgent(secureContext), deps.logger, deps.deadline ?? clockDeadline);
  },
};

export { PagerDutyConfig } from './config.js';
