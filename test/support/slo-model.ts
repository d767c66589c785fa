import type { AlertingPolicy, Slo } from '../../src/slo/model.js';

const DAY = 86_400_000;

/**
 * A model SLO for unit tests: 99.9 % of `http_requests_total` over a rolling 30 days, counted from its error
 * selector, no tiers and no runbook. Override what a test is about; `alerting` is merged field by field.
 */
export function sloModel(over: Partial<Omit<Slo, 'alerting'>> = {}, alerting: Partial<AlertingPolicy> = {}): Slo {
  return {
    id: 'checkout-availability',
    name: 'checkout-availability',
    service: 'checkout',
    labels: {},
    objective: 99.9,
    period: { kind: 'rolling', durationMs: 30 * DAY },
    budgeting: { kind: 'occurrences' },
    indicator: {
      kind: 'events',
      count: 'bad',
      events: { kind: 'selector', selector: 'http_requests_total{job="checkout",code=~"5.."}' },
      total: { kind: 'selector', selector: 'http_requests_total{job="checkout"}' },
    },
    groupBy: [],
    maintenance: [],
    source: { file: 'slos/checkout.yaml', document: 0, format: 'burnwatch/v1' },
    ...over,
    alerting: {
      name: 'CheckoutBurn',
      labels: {},
      annotations: {},
      minEvents: 0,
      keepFiringForMs: 0,
      tiers: [],
      page: { enabled: true, labels: {}, annotations: {} },
      ticket: { enabled: true, labels: {}, annotations: {} },
      ...alerting,
    },
  };
}
