import { describe, expect, it } from 'vitest';
import type { NotificationLogEntry, NotifyReason } from './grouping.js';
import { afterFlush, alertJoined, decideGroupNotification, groupKey, groupLabels, isFlushDue, needsUpdate, newGroupTimer, shouldNotify } from './grouping.js';
import { parseMatchers } from './matchers.js';
import { buildRouteTree } from './route.js';

const MIN = 60_000;
const now = new Date('2026-01-01T12:00:00Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);

function entry(firing: string[], resolved: string[], at: Date): NotificationLogEntry {
  return { at, firing: new Set(firing), resolved: new Set(resolved) };
}

describe('needsUpdate (cases of Alertmanager TestDedupStageNeedsUpdate)', () => {
  const cases: readonly {
    readonly name: string;
    readonly last: NotificationLogEntry | undefined;
    readonly firing: string[];
    readonly resolved?: string[];
    readonly repeat?: number;
    readonly sendResolved?: boolean;
    readonly want: NotifyReason;
  }[] = [
    { name: 'no log entry, alerts firing: notify', last: undefined, firing: ['2', '3', '4'], want: 'first-notification' },
    { name: 'no log entry, only resolved alerts: do not notify', last: undefined, firing: [], resolved: ['2', '3', '4'], want: 'none' },
    { name: 'different firing alerts: notify', last: entry(['1', '2', '3'], [], ago(MIN)), firing: ['2', '3', '4'], repeat: 10 * MIN, want: 'new-alerts' },
    { name: 'entry at the zero time: the repeat interval has passed', last: entry(['1', '2', '3'], [], new Date(0)), firing: ['1', '2', '3'], repeat: 10 * MIN, want: 'repeat-interval' },
    { name: 'same alerts 9 min after, repeat 10 min: no', last: entry(['1', '2', '3'], [], ago(9 * MIN)), firing: ['1', '2', '3'], repeat: 10 * MIN, want: 'none' },
    { name: 'same alerts 11 min after, repeat 10 min: yes', last: entry(['1', '2', '3'], [], ago(11 * MIN)), firing: ['1', '2', '3'], repeat: 10 * MIN, want: 'repeat-interval' },
    { name: 'exactly repeat_interval later: not yet (strictly before)', last: entry(['1'], [], ago(10 * MIN)), firing: ['1'], repeat: 10 * MIN, want: 'none' },
    { name: 'a firing subset of the last notification: no', last: entry(['1', '2', '3'], [], ago(MIN)), firing: ['1', '2'], repeat: 10 * MIN, want: 'none' },
    {
      name: 'only resolved alerts, none firing before or now, even after repeat: no',
      last: entry([], ['1', '2', '3'], ago(11 * MIN)), firing: [], resolved: ['3', '4', '5'], repeat: 10 * MIN, sendResolved: true, want: 'none',
    },
    {
      name: 'new resolved alerts without send_resolved: no',
      last: entry(['1', '2'], ['3'], ago(9 * MIN)), firing: ['1'], resolved: ['2', '3'], repeat: 10 * MIN, sendResolved: false, want: 'none',
    },
    {
      name: 'new resolved alerts with send_resolved: yes',
      last: entry(['1', '2'], ['3'], ago(9 * MIN)), firing: ['1'], resolved: ['2', '3'], repeat: 10 * MIN, sendResolved: true, want: 'new-resolved',
    },
    {
      name: 'all resolved after firing, without send_resolved: yes',
      last: entry(['1', '2'], ['3'], ago(9 * MIN)), firing: [], resolved: ['1', '2', '3'], repeat: 10 * MIN, sendResolved: false, want: 'all-resolved',
    },
    {
      name: 'all resolved after firing, with send_resolved: yes',
      last: entry(['1', '2'], ['3'], ago(9 * MIN)), firing: [], resolved: ['1', '2', '3'], repeat: 10 * MIN, sendResolved: true, want: 'all-resolved',
    },
    { name: 'firing again after an all-resolved notification: a first notification', last: entry([], ['1'], ago(MIN)), firing: ['1'], repeat: 10 * MIN, want: 'first-notification' },
  ];
  it.each(cases)('$name', (c) => {
    const reason = needsUpdate({
      last: c.last,
      firing: new Set(c.firing),
      resolved: new Set(c.resolved ?? []),
      now,
      repeatIntervalMs: c.repeat ?? 4 * 60 * MIN,
      sendResolved: c.sendResolved ?? false,
    });
    expect(reason).toBe(c.want);
  });
});

describe('group timer (group_wait, group_interval)', () => {
  const route = { groupWaitMs: 30_000, groupIntervalMs: 5 * MIN };
  const created = new Date('2026-01-01T12:00:00Z');
  const at = (s: number): Date => new Date(created.getTime() + s * 1000);

  it('flushes first group_wait after the group was created', () => {
    const timer = newGroupTimer(created, created, route);
    expect(isFlushDue(timer, at(29))).toBe(false);
    expect(isFlushDue(timer, at(30))).toBe(true);
  });

  it('flushes at once when the alert started more than group_wait ago', () => {
    const timer = newGroupTimer(created, at(-31), route);
    expect(isFlushDue(timer, created)).toBe(true);
    // Exactly group_wait ago is not "before now": wait as usual.
    expect(isFlushDue(newGroupTimer(created, at(-30), route), created)).toBe(false);
  });

  it('an old alert joining before the first flush makes the group flush at once', () => {
    const timer = alertJoined(newGroupTimer(created, created, route), at(-600), at(10), route);
    expect(isFlushDue(timer, at(10))).toBe(true);
    // A fresh alert joining does not move the flush.
    expect(isFlushDue(alertJoined(newGroupTimer(created, created, route), at(10), at(10), route), at(10))).toBe(false);
  });

  it('after a flush, waits group_interval; old alerts no longer force a flush', () => {
    const flushed = afterFlush(at(30), route);
    expect(isFlushDue(flushed, at(30 + 299))).toBe(false);
    expect(isFlushDue(flushed, at(30 + 300))).toBe(true);
    expect(alertJoined(flushed, at(-3600), at(60), route)).toBe(flushed);
  });

  it('decides "waiting" before the flush is due, then what needsUpdate says', () => {
    const timer = newGroupTimer(created, created, route);
    const args = { route: { repeatIntervalMs: 4 * 60 * MIN }, timer, last: undefined, firing: new Set(['a']), resolved: new Set<string>(), sendResolved: true };
    expect(decideGroupNotification({ ...args, now: at(10) })).toBe('waiting');
    expect(decideGroupNotification({ ...args, now: at(30) })).toBe('first-notification');
    expect(shouldNotify('waiting')).toBe(false);
    expect(shouldNotify('none')).toBe(false);
    expect(shouldNotify('repeat-interval')).toBe(true);
  });
});

describe('group labels and keys', () => {
  const matchers = parseMatchers('severity="page"');
  if (!matchers.ok) throw new Error(matchers.message);
  const tree = buildRouteTree({
    receiver: 'default',
    groupBy: ['slo', 'severity'],
    routes: [{ matchers: matchers.value, receiver: 'pager', groupBy: ['...'] }],
  });
  const labels = { alertname: 'SLOBurn', slo: 'checkout', severity: 'ticket', team: '' };

  it('takes the group_by labels the alert has (missing and empty ones left out)', () => {
    expect(groupLabels(tree, labels)).toEqual({ slo: 'checkout', severity: 'ticket' });
    expect(groupLabels(tree, { slo: 'x' })).toEqual({ slo: 'x' });
  });

  it('groups by every (non-empty) label with [...]', () => {
    const pager = tree.routes[0]!;
    expect(groupLabels(pager, { ...labels, severity: 'page' })).toEqual({ alertname: 'SLOBurn', slo: 'checkout', severity: 'page' });
  });

  it('keys the group by route id and label set, sorted like Prometheus LabelSet.String()', () => {
    expect(groupKey(tree, labels)).toBe('{}:{severity="ticket", slo="checkout"}');
    const pager = tree.routes[0]!;
    expect(groupKey(pager, { ...labels, severity: 'page' })).toBe('{}/{severity="page"}/0:{alertname="SLOBurn", severity="page", slo="checkout"}');
  });
});
