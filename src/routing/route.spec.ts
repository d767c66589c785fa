import { describe, expect, it } from 'vitest';
import type { Matcher } from './matchers.js';
import { parseMatchers } from './matchers.js';
import type { RootRouteSpec, Route } from './route.js';
import { buildRouteTree, matchRoutes, receiversFor, walkRoutes } from './route.js';

function m(...texts: string[]): Matcher[] {
  return texts.flatMap((t) => {
    const r = parseMatchers(t);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  });
}

const MIN = 60_000;
const SEC = 1000;

// The tree of Alertmanager's dispatch/route_test.go `TestRouteMatchers`, with its expected receivers,
// timings, grouping and route keys (defaults: group_wait 30s, group_interval 5m, repeat_interval 4h).
const amTree: RootRouteSpec = {
  receiver: 'notify-def',
  routes: [
    {
      matchers: m('{owner="team-A"}', '{level!="critical"}'),
      receiver: 'notify-A',
      routes: [
        { matchers: m('{env="testing"}', '{baz!~".*quux"}'), receiver: 'notify-testing', groupBy: ['...'] },
        { matchers: m('{env="production"}'), receiver: 'notify-productionA', groupWaitMs: MIN, continue: true },
        {
          matchers: m('env=~"produ.*"', 'job=~".*"'),
          receiver: 'notify-productionB',
          groupWaitMs: 30 * SEC,
          groupIntervalMs: 5 * MIN,
          repeatIntervalMs: 60 * MIN,
          groupBy: ['job'],
        },
      ],
    },
    { matchers: m('owner=~"team-(B|C)"'), groupBy: ['foo', 'bar'], groupWaitMs: 2 * MIN, receiver: 'notify-BC' },
    {
      matchers: m('group_by="role"'),
      groupBy: ['role'],
      routes: [{ matchers: m('{env="testing"}'), receiver: 'notify-testing', routes: [{ matchers: m('wait="long"'), groupWaitMs: 2 * MIN }] }],
    },
  ],
};

interface Expected {
  readonly receiver: string;
  readonly groupBy: readonly string[] | 'all';
  readonly wait: number;
  readonly interval: number;
  readonly repeat: number;
  readonly key: string;
}

const DEF = { wait: 30 * SEC, interval: 5 * MIN, repeat: 4 * 60 * MIN };

function summary(r: Route): Expected {
  return { receiver: r.receiver, groupBy: r.groupBy, wait: r.groupWaitMs, interval: r.groupIntervalMs, repeat: r.repeatIntervalMs, key: r.key };
}

describe('matchRoutes on the Alertmanager test tree', () => {
  const tree = buildRouteTree(amTree);
  const cases: readonly (readonly [Record<string, string>, readonly Expected[]])[] = [
    [{ owner: 'team-A' }, [{ receiver: 'notify-A', groupBy: [], ...DEF, key: '{}/{level!="critical",owner="team-A"}' }]],
    [{ owner: 'team-A', env: 'unset' }, [{ receiver: 'notify-A', groupBy: [], ...DEF, key: '{}/{level!="critical",owner="team-A"}' }]],
    [{ owner: 'team-C' }, [{ receiver: 'notify-BC', groupBy: ['foo', 'bar'], ...DEF, wait: 2 * MIN, key: '{}/{owner=~"team-(B|C)"}' }]],
    [
      { owner: 'team-A', env: 'testing' },
      [{ receiver: 'notify-testing', groupBy: 'all', ...DEF, key: '{}/{level!="critical",owner="team-A"}/{baz!~".*quux",env="testing"}' }],
    ],
    [
      { owner: 'team-A', env: 'production' },
      [
        { receiver: 'notify-productionA', groupBy: [], ...DEF, wait: MIN, key: '{}/{level!="critical",owner="team-A"}/{env="production"}' },
        { receiver: 'notify-productionB', groupBy: ['job'], wait: 30 * SEC, interval: 5 * MIN, repeat: 60 * MIN, key: '{}/{level!="critical",owner="team-A"}/{env=~"produ.*",job=~".*"}' },
      ],
    ],
    [{ group_by: 'role' }, [{ receiver: 'notify-def', groupBy: ['role'], ...DEF, key: '{}/{group_by="role"}' }]],
    [{ env: 'testing', group_by: 'role' }, [{ receiver: 'notify-testing', groupBy: ['role'], ...DEF, key: '{}/{group_by="role"}/{env="testing"}' }]],
    [
      { env: 'testing', group_by: 'role', wait: 'long' },
      [{ receiver: 'notify-testing', groupBy: ['role'], ...DEF, wait: 2 * MIN, key: '{}/{group_by="role"}/{env="testing"}/{wait="long"}' }],
    ],
    // Nothing matches a child: the root handles it.
    [{ owner: 'team-D' }, [{ receiver: 'notify-def', groupBy: [], ...DEF, key: '{}' }]],
    // level="critical" fails the team-A route's level!="critical": falls through to the root.
    [{ owner: 'team-A', level: 'critical' }, [{ receiver: 'notify-def', groupBy: [], ...DEF, key: '{}' }]],
  ];
  it.each(cases)('%j', (labels, expected) => {
    expect(matchRoutes(tree, labels).map(summary)).toEqual(expected);
  });

  it('walks the tree depth first (Alertmanager TestRouteWalk order)', () => {
    expect(walkRoutes(tree).map((r) => r.receiver)).toEqual([
      'notify-def', 'notify-A', 'notify-testing', 'notify-productionA', 'notify-productionB', 'notify-BC', 'notify-def', 'notify-testing', 'notify-testing',
    ]);
  });

  it('gives every route a unique id and its place in the config', () => {
    const routes = walkRoutes(tree);
    expect(new Set(routes.map((r) => r.id)).size).toBe(routes.length);
    expect(routes.map((r) => r.path)).toContain('route.routes[2].routes[0].routes[0]');
    expect(routes[2]?.id).toBe('{}/{level!="critical",owner="team-A"}/{baz!~".*quux",env="testing"}/0');
  });
});

describe('route semantics', () => {
  it('inherits group_by [...] into children that do not set group_by (TestInheritParentGroupByAll)', () => {
    const tree = buildRouteTree({
      receiver: 'r',
      routes: [{ matchers: m('env="parent"'), groupBy: ['...'], routes: [{ matchers: m('env="child1"') }, { matchers: m('env="child2"'), groupBy: ['foo'] }] }],
    });
    const parent = tree.routes[0]!;
    expect(parent.groupBy).toBe('all');
    expect(parent.routes[0]?.groupBy).toBe('all');
    expect(parent.routes[1]?.groupBy).toEqual(['foo']);
  });

  const tree = buildRouteTree({
    receiver: 'default',
    groupBy: ['slo'],
    routes: [
      { matchers: m('severity="page"', 'team="payments"'), receiver: 'payments-pager', continue: true },
      { matchers: m('severity="page"'), receiver: 'pager' },
      { matchers: m('severity=~"page|ticket"'), receiver: 'never-reached-for-pages' },
      { matchers: m('team="payments"'), receiver: 'payments-tickets' },
    ],
  });
  const cases: readonly (readonly [string, Record<string, string>, readonly string[]])[] = [
    ['continue: true lets the next sibling match too', { severity: 'page', team: 'payments' }, ['payments-pager', 'pager']],
    ['the first matching child wins', { severity: 'page', team: 'ops' }, ['pager']],
    ['a later sibling takes what earlier ones do not match', { severity: 'ticket', team: 'payments' }, ['never-reached-for-pages']],
    ['the root handles what no child matches', { severity: 'info' }, ['default']],
    ['a missing label matches as empty', {}, ['default']],
  ];
  it.each(cases)('%s', (_name, labels, receivers) => {
    expect(receiversFor(tree, labels)).toEqual(receivers);
  });

  it('lists a receiver once when two matching routes share it', () => {
    const shared = buildRouteTree({ receiver: 'x', routes: [{ matchers: m('a="1"'), continue: true }, { matchers: m('a="1"') }] });
    expect(matchRoutes(shared, { a: '1' })).toHaveLength(2);
    expect(receiversFor(shared, { a: '1' })).toEqual(['x']);
  });

  it('matches a continue route alone when no later sibling matches', () => {
    expect(receiversFor(tree, { severity: 'page', team: 'payments', extra: 'y' })).toEqual(['payments-pager', 'pager']);
    const onlyContinue = buildRouteTree({ receiver: 'root', routes: [{ matchers: m('a="1"'), receiver: 'c', continue: true }] });
    expect(receiversFor(onlyContinue, { a: '1' })).toEqual(['c']);
  });
});
