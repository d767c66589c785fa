import { describe, expect, it } from 'vitest';
import type { SloStatus } from '../engine/engine.js';
import { sloModel } from '../../test/support/slo-model.js';
import { sloDetailJson, sloSummaryJson } from './api-json.js';
import { fixtureStatuses, NOW } from './fake-view.fixture.js';
import { instanceJson } from './status-json.js';
import { sloBody } from './ui/pages.js';

/** A composite SLO in the API and on its status page: its children and weights, and a child's held page. */

const JOURNEY = sloModel({
  id: 'checkout-journey',
  name: 'checkout-journey',
  indicator: { kind: 'composite', method: 'weightedRatio', children: [{ sloId: 'checkout-availability', weight: 2 }, { sloId: 'search', weight: 1 }] },
}, { inhibitChildren: true });

const checkout = fixtureStatuses()[0] as SloStatus;
const held: SloStatus = { ...checkout, instances: checkout.instances.map((i) => ({ ...i, alerts: { ...i.alerts, page: 'inactive' }, pageHeldBy: 'checkout-journey' })) };
const journey: SloStatus = { ...checkout, slo: JOURNEY, instances: checkout.instances.map((i) => ({ ...i, alerts: { ...i.alerts, page: 'firing' } })) };

describe('a composite in the JSON API', () => {
  it('lists its method, children with their weights and inhibitChildren (list and detail)', () => {
    const composite = { method: 'weightedRatio', children: [{ slo: 'checkout-availability', weight: 2 }, { slo: 'search', weight: 1 }], inhibitChildren: true };
    expect(sloSummaryJson(journey)).toMatchObject({ id: 'checkout-journey', composite });
    expect(sloDetailJson(journey, [], NOW)).toMatchObject({ id: 'checkout-journey', composite });
    expect(sloSummaryJson(checkout)).not.toHaveProperty('composite');
  });

  it('says which composite holds a child\'s page', () => {
    expect(sloSummaryJson(held)).toMatchObject({ instances: [{ alerts: { page: 'inactive' }, pageHeldBy: 'checkout-journey' }] });
    expect(instanceJson(held.instances[0] as SloStatus['instances'][number])).toMatchObject({ alerts: { page: 'inactive' }, pageHeldBy: 'checkout-journey' });
    expect(instanceJson(checkout.instances[0] as SloStatus['instances'][number])).not.toHaveProperty('pageHeldBy');
  });
});

describe('a composite\'s status page', () => {
  it('links its children with their weights instead of error-ratio queries', () => {
    const html = sloBody({ root: '/', status: journey, instance: journey.instances[0], labels: {}, range: '1d', step: '5m', prometheusUrl: 'http://prometheus.example' });
    expect(html).toContain('<a href="/slos/checkout-availability?range=1d">checkout-availability</a>, weight 2');
    expect(html).toContain('<a href="/slos/search?range=1d">search</a>, weight 1');
    expect(html).not.toContain('/graph?');
    expect(html).toContain('composite (weightedRatio) of checkout-availability x2, search x1');
  });
});
