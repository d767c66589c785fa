import { describe, expect, it } from 'vitest';
import { sloModel } from '../../test/support/slo-model.js';
import type { Matcher } from '../routing/matchers.js';
import { parseMatcher } from '../routing/matchers.js';
import type { Silence } from '../routing/silence.js';
import type { Observation, TierObservation } from '../slo/evaluate.js';
import type { Severity, Slo, Tier } from '../slo/model.js';
import type { CycleDecision, StoredAlert, Suppression } from './cycle.js';
import { advanceAlerts, removalNotification } from './cycle.js';

/**
 * advanceAlerts stepped one minute at a time over hand-written observations of one SLO instance (or two), as
 * the engine calls it each cycle: alert phases, what is notified, and what is handed on for reminders.
 */

const MIN = 60_000;
const T0 = Date.parse('2026-11-24T10:00:00Z');

const PAGE: Tier = { name: 'page-1h-5m', severity: 'page', longMs: 60 * MIN, shortMs: 5 * MIN, factor: 14.4, forMs: 0 };
const TICKET: Tier = { name: 'ticket-6h-30m', severity: 'ticket', longMs: 360 * MIN, shortMs: 30 * MIN, factor: 6, forMs: 0 };

/**
 * What one cycle observed: which severities burn (`page`, `ticket`, `both`, `-`), or `unknown` (no data);
 * the remaining budget (default 0.9) and the maintenance flag.
 */
interface Step {
  readonly burn: 'page' | 'ticket' | 'both' | '-' | 'unknown';
  readonly remaining?: number;
  readonly frozen?: boolean;
}

function observation(step: Step, atMs: number, slo: Slo): Observation {
  const burning = (severity: Severity): boolean => step.burn === 'both' || step.burn === severity;
  const tiers = slo.alerting.tiers.map((t): TierObservation => ({
    name: t.name,
    severity: t.severity,
    longMs: t.longMs,
    shortMs: t.shortMs,
    longRatio: burning(t.severity) ? 0.02 : 0,
    shortRatio: burning(t.severity) ? 0.02 : 0,
    longBurnRate: burning(t.severity) ? 20 : 0,
    shortBurnRate: burning(t.severity) ? 20 : 0,
    threshold: t.factor,
    active: burning(t.severity),
    longEvents: 1000,
    qualifies: burning(t.severity),
    forMs: t.forMs,
  }));
  const unknown = step.burn === 'unknown';
  const remaining = step.remaining ?? 0.9;
  return {
    atMs,
    tiers,
    raw: { page: !unknown && burning('page'), ticket: !unknown && burning('ticket') },
    unknown,
    budget: { remaining, consumed: 1 - remaining, timeToExhaustionMs: null, errorRatio: (1 - remaining) / 1000, events: 1e6, periodStartMs: atMs - 30 * 24 * 60 * MIN, periodEndMs: atMs },
    currentBurnRate: 0,
  };
}

interface Timeline {
  /** Per step, `page/ticket` phases shown (and nodata, exhaustion when the SLO has them). */
  readonly phases: string[];
  /** Per step, the notifications as `severity-or-kind:status`, joined. */
  readonly sent: string[];
  /** Per step, the alerts handed on for reminders. */
  readonly reminders: string[];
  readonly decisions: CycleDecision[];
  readonly alerts: Map<string, StoredAlert>;
}

/**
 * Runs steps one minute apart over SLOs observed alike (each SLO's own step list), keeping what each cycle
 * changed as the engine does after its transaction commits.
 */
function run(slos: readonly Slo[], steps: readonly (readonly Step[])[], options: { suppression?: (atMs: number) => Suppression; reminders?: boolean } = {}): Timeline {
  const alerts = new Map<string, StoredAlert>();
  const timeline: Timeline = { phases: [], sent: [], reminders: [], decisions: [], alerts };
  steps.forEach((perSlo, i) => {
    const atMs = T0 + i * MIN;
    const suppression = options.suppression?.(atMs);
    const decision = advanceAlerts({
      atMs,
      instances: slos.map((slo, j) => {
        const step = perSlo[j] ?? { burn: '-' };
        return { slo, key: '{}', labels: {}, observation: observation(step, atMs, slo), frozen: step.frozen ?? false };
      }),
      alerts,
      slos: new Map(slos.map((s) => [s.id, s])),
      ...(suppression === undefined ? {} : { suppression }),
      reminders: options.reminders ?? true,
      links: {},
    });
    for (const a of decision.changed) alerts.set(a.alertKey, a);
    timeline.decisions.push(decision);
    timeline.phases.push(decision.instances.map((p) => [p.alerts.page, p.alerts.ticket, ...(p.nodata === undefined ? [] : [p.nodata]), ...(p.exhaustion === undefined ? [] : [p.exhaustion])].join('/')).join(' '));
    timeline.sent.push(decision.notifications.map((n) => `${n.slo.id === 'checkout-availability' ? '' : `${n.slo.id}:`}${n.kind === 'burn' ? n.severity : n.kind}:${n.status}`).join(' ') || '-');
    timeline.reminders.push(decision.firing.map((f) => f.alertKey).join(' ') || '-');
  });
  return timeline;
}

const one = (...burns: (Step['burn'] | Step)[]): Step[][] => burns.map((b) => [typeof b === 'string' ? { burn: b } : b]);

function slo(over: { id?: string; service?: string; tiers?: readonly Tier[]; noDataAfterMs?: number; exhaustion?: { threshold: number; severity: Severity } } = {}): Slo {
  return sloModel({ id: over.id ?? 'checkout-availability', service: over.service ?? 'checkout' }, {
    tiers: over.tiers ?? [PAGE, TICKET],
    ...(over.noDataAfterMs === undefined ? {} : { noDataAfterMs: over.noDataAfterMs }),
    ...(over.exhaustion === undefined ? {} : { exhaustion: over.exhaustion }),
  });
}

function matchers(...texts: string[]): Matcher[] {
  return texts.map((t) => {
    const m = parseMatcher(t);
    if (!m.ok) throw new Error(t);
    return m.value;
  });
}

function silence(fromMs: number, toMs: number, ...texts: string[]): Silence {
  return { id: 's1', matchers: matchers(...texts), startsAt: new Date(fromMs), endsAt: new Date(toMs) };
}

describe('alerting/cycle: advanceAlerts', () => {
  it('pages once when a page tier burns and resolves when it stops; the cycles in between notify nothing', () => {
    const t = run([slo()], one('-', 'page', 'page', 'page', '-'));
    expect(t.phases).toEqual(['inactive/inactive', 'firing/inactive', 'firing/inactive', 'firing/inactive', 'inactive/inactive']);
    expect(t.sent).toEqual(['-', 'page:firing', '-', '-', 'page:resolved']);
    // Only changed alerts are stored: the fire and the resolve.
    expect(t.decisions.map((d) => d.changed.length)).toEqual([0, 1, 0, 0, 1]);
    expect(t.decisions.flatMap((d) => d.transitions).map((x) => `${x.from}->${x.to}@${(x.atMs - T0) / MIN}`)).toEqual(['inactive->firing@1', 'firing->inactive@4']);
  });

  it('hands a firing, notified alert on for reminders every cycle after the one that sent it, and only when asked to', () => {
    const key = 'checkout-availability/{}/page';
    expect(run([slo()], one('page', 'page', 'page', '-')).reminders).toEqual(['-', key, key, '-']);
    expect(run([slo()], one('page', 'page', 'page', '-'), { reminders: false }).reminders).toEqual(['-', '-', '-', '-']);
  });

  it('builds a reminder\'s notification on demand, as of the cycle that handed it on', () => {
    const t = run([slo()], one({ burn: 'page', remaining: 0.9 }, { burn: 'page', remaining: 0.8 }));
    const n = t.decisions[1]?.firing[0]?.notification();
    expect(n).toMatchObject({ id: `checkout-availability/{}/page@${T0 + MIN}/firing`, status: 'firing', budget: { remaining: 0.8 } });
    expect(n?.startsAt.getTime()).toBe(T0);
  });

  it('keeps the budget left when the alert fired, and says on resolve how long it fired and what it spent', () => {
    const t = run([slo()], one({ burn: 'page', remaining: 0.9 }, { burn: 'page', remaining: 0.88 }, { burn: 'page', remaining: 0.86 }, { burn: '-', remaining: 0.85 }));
    expect(t.alerts.get('checkout-availability/{}/page')?.budgetAtFire).toBe(0.9);
    const resolved = t.decisions[3]?.notifications[0];
    expect(resolved?.resolution?.firedForMs).toBe(3 * MIN);
    expect(resolved?.resolution?.budgetSpent).toBeCloseTo(0.05, 12);
  });

  it('holds the ticket while the page of the same instance fires, and sends it when the page resolves and it still burns', () => {
    const t = run([slo()], one('both', 'both', 'ticket', 'ticket', '-'));
    expect(t.phases).toEqual(['firing/inactive', 'firing/inactive', 'inactive/firing', 'inactive/firing', 'inactive/inactive']);
    expect(t.sent).toEqual(['page:firing', '-', 'page:resolved ticket:firing', '-', 'ticket:resolved']);
    // The held ticket is stored as firing but not notified, so its later firing is not a second one.
    expect(t.decisions[0]?.changed.map((a) => `${a.severity}:${a.state.phase}:${a.notified}`)).toEqual(['page:firing:true', 'ticket:firing:false']);
  });

  it('also holds the ticket while the firing page has no data', () => {
    const t = run([slo()], one('both', 'unknown', { burn: 'ticket' }));
    expect(t.phases).toEqual(['firing/inactive', 'nodata/nodata', 'inactive/firing']);
    expect(t.sent).toEqual(['page:firing', '-', 'page:resolved ticket:firing']);
  });

  it('holds a silenced alert\'s firing until the silence ends, and sends the resolve of a notified alert under a silence', () => {
    const pages = (fromMs: number, toMs: number) => (): Suppression => ({ silences: [silence(fromMs, toMs, 'severity="page"')], inhibitRules: [] });
    // Silenced from T0 to T0 + 3 min: the page fires at T0 + 1 min, is sent at T0 + 3 min.
    const held = run([slo()], one('-', 'page', 'page', 'page', '-'), { suppression: pages(T0, T0 + 3 * MIN) });
    expect(held.sent).toEqual(['-', '-', '-', 'page:firing', 'page:resolved']);
    expect(held.reminders).toEqual(['-', '-', '-', '-', '-']);
    // Notified at T0, silenced from T0 + 1 min: its resolve at T0 + 2 min still goes out; no reminder under the silence.
    const resolved = run([slo()], one('page', 'page', '-'), { suppression: pages(T0 + MIN, T0 + 10 * MIN) });
    expect(resolved.sent).toEqual(['page:firing', '-', 'page:resolved']);
    expect(resolved.reminders).toEqual(['-', '-', '-']);
    // A silence of another severity mutes nothing here.
    expect(run([slo()], one('page'), { suppression: () => ({ silences: [silence(T0, T0 + MIN, 'severity="ticket"')], inhibitRules: [] }) }).sent).toEqual(['page:firing']);
  });

  it('inhibits by a configured rule with the alerts that fired and were notified before the cycle', () => {
    // Pages of the `db` SLO inhibit pages of other SLOs of the same service.
    const rule = { name: 'inhibit_rules[0]', sourceMatchers: matchers('slo="db"'), targetMatchers: matchers('slo!="db"'), equal: ['service'] };
    const db = slo({ id: 'db' });
    const api = slo({ id: 'api' });
    const other = slo({ id: 'web', service: 'web' });
    const steps: Step[][] = [
      [{ burn: 'page' }, { burn: '-' }, { burn: '-' }],
      [{ burn: 'page' }, { burn: 'page' }, { burn: 'page' }], // api inhibited by db's page (notified a cycle ago); web has another service
      [{ burn: '-' }, { burn: 'page' }, { burn: 'page' }], // db resolves this cycle: it still fired before it
      [{ burn: '-' }, { burn: 'page' }, { burn: 'page' }], // no source any more: api's page goes out
    ];
    const t = run([db, api, other], steps, { suppression: () => ({ silences: [], inhibitRules: [rule] }) });
    expect(t.sent).toEqual(['db:page:firing', 'web:page:firing', 'db:page:resolved', 'api:page:firing']);
  });

  it('fires the no-data alert after noData.after without data, and never resolves the page on missing data', () => {
    const t = run([slo({ noDataAfterMs: 2 * MIN })], one('page', 'unknown', 'unknown', 'unknown', '-'));
    // page/ticket/nodata
    expect(t.phases).toEqual(['firing/inactive/inactive', 'nodata/nodata/pending', 'nodata/nodata/pending', 'nodata/nodata/firing', 'inactive/inactive/inactive']);
    expect(t.sent).toEqual(['page:firing', '-', '-', 'nodata:firing', 'page:resolved nodata:resolved']);
  });

  it('fires the exhaustion alert when the remaining budget falls to its threshold', () => {
    const t = run([slo({ exhaustion: { threshold: 0.1, severity: 'ticket' } })], one({ burn: '-', remaining: 0.2 }, { burn: '-', remaining: 0.1 }, { burn: '-', remaining: 0.05 }, { burn: '-', remaining: 0.5 }));
    expect(t.phases).toEqual(['inactive/inactive/inactive', 'inactive/inactive/firing', 'inactive/inactive/firing', 'inactive/inactive/inactive']);
    expect(t.sent).toEqual(['-', 'exhaustion:firing', '-', 'exhaustion:resolved']);
  });

  it('changes nothing and sends nothing inside a maintenance window', () => {
    const t = run([slo()], one('page', { burn: '-', frozen: true }, { burn: 'unknown', frozen: true }, { burn: 'page', frozen: true }, '-'));
    expect(t.phases).toEqual(['firing/inactive', 'firing/inactive', 'firing/inactive', 'firing/inactive', 'inactive/inactive']);
    expect(t.sent).toEqual(['page:firing', '-', '-', '-', 'page:resolved']);
    expect(t.decisions.slice(1, 4).map((d) => d.changed.length)).toEqual([0, 0, 0]);
  });
});

describe('alerting/cycle: removalNotification', () => {
  it('links the instance\'s status page by its labels\' key, names sorted, whatever order they were stored in', () => {
    const stored: StoredAlert = {
      alertKey: 'checkout-availability/{"method":"GET","route":"/cart"}/page',
      sloId: 'checkout-availability',
      instanceLabels: { route: '/cart', method: 'GET' },
      kind: 'burn',
      severity: 'page',
      state: { phase: 'firing', since: {}, firedAtMs: T0, changedAtMs: T0 },
      notified: true,
      updatedMs: T0,
    };
    const n = removalNotification(slo(), stored, T0 + MIN, { statusPageUrl: 'https://burnwatch.example.com/' });
    expect(n.links.sloPage).toBe('https://burnwatch.example.com/slos/checkout-availability?instance=%7B%22method%22%3A%22GET%22%2C%22route%22%3A%22%2Fcart%22%7D');
  });

  it('resolves a removed SLO\'s alert with the budget it had when it fired', () => {
    const stored: StoredAlert = {
      alertKey: 'checkout-availability/{"route":"/cart"}/page',
      sloId: 'checkout-availability',
      instanceLabels: { route: '/cart' },
      kind: 'burn',
      severity: 'page',
      state: { phase: 'firing', since: {}, firedAtMs: T0, changedAtMs: T0 },
      notified: true,
      budgetAtFire: 0.7,
      updatedMs: T0,
    };
    const n = removalNotification(slo(), stored, T0 + 10 * MIN, {});
    expect(n).toMatchObject({ id: `${stored.alertKey}@${T0 + 10 * MIN}/removed`, alertKey: stored.alertKey, status: 'resolved', instance: { route: '/cart' }, budget: { remaining: 0.7 } });
    expect([n.startsAt.getTime(), n.endsAt?.getTime(), n.resolution]).toEqual([T0, T0 + 10 * MIN, { firedForMs: 10 * MIN, budgetSpent: 0 }]);
  });
});

describe('composite SLOs with inhibitChildren', () => {
  const leaf = sloModel({ id: 'payments', name: 'payments' }, { tiers: [PAGE] });
  const inner = sloModel({ id: 'checkout', name: 'checkout', indicator: { kind: 'composite', method: 'weightedEvents', children: [{ sloId: 'payments', weight: 1 }] } }, { tiers: [PAGE], inhibitChildren: true });
  const outer = sloModel({ id: 'shop', name: 'shop', indicator: { kind: 'composite', method: 'weightedEvents', children: [{ sloId: 'checkout', weight: 1 }] } }, { tiers: [PAGE], inhibitChildren: true });
  const slos = new Map([leaf, inner, outer].map((s) => [s.id, s]));

  /** One cycle per entry: which SLOs burn (their page condition holds); the leaf is listed first, as the engine may. */
  function run(burning: readonly (readonly string[])[]): { sent: string[]; held: string[] } {
    let alerts = new Map<string, StoredAlert>();
    const sent: string[] = [];
    const held: string[] = [];
    burning.forEach((ids, i) => {
      const atMs = T0 + i * MIN;
      const instances = [leaf, inner, outer].map((slo) => ({ slo, key: '{}', labels: {}, observation: observation({ burn: ids.includes(slo.id) ? 'page' : '-' }, atMs, slo), frozen: false }));
      const d = advanceAlerts({ atMs, instances, alerts, slos, reminders: false, links: {} });
      alerts = new Map([...alerts, ...d.changed.map((a): [string, StoredAlert] => [a.alertKey, a])]);
      sent.push(d.notifications.map((n) => `${n.slo.id}:${n.status}`).join(' '));
      held.push(d.instances.map((x, k) => (x.pageHeldBy === undefined ? '' : `${instances[k]?.slo.id ?? ''}<${x.pageHeldBy}`)).filter((x) => x !== '').join(' '));
    });
    return { sent, held };
  }

  it('holds the pages of the whole composition under the highest firing composite, and sends those still firing when it resolves', () => {
    const all = ['payments', 'checkout', 'shop'];
    const { sent, held } = run([all, all, ['payments', 'checkout'], ['payments'], []]);
    expect(sent).toEqual(['shop:firing', '', 'shop:resolved checkout:firing', 'checkout:resolved payments:firing', 'payments:resolved']);
    expect(held).toEqual(['payments<checkout checkout<shop', 'payments<checkout checkout<shop', 'payments<checkout', '', '']);
  });

  it('does not hold a child whose page was sent before its composite fired (its resolve is sent as usual)', () => {
    const { sent } = run([['payments'], ['payments', 'checkout'], ['checkout'], []]);
    expect(sent).toEqual(['payments:firing', 'checkout:firing', 'payments:resolved', 'checkout:resolved']);
  });
});
