import type { Labels } from './labels.js';
import type { Matcher } from './matchers.js';
import { formatMatchers, matchesAll } from './matchers.js';

/**
 * A routing tree in Alertmanager's style (docs/configuration.md `<route>`, dispatch/route.go@v0.25.0):
 *
 * - The root route matches every alert and must name a receiver.
 * - Children are tried in order, depth first; the first matching child takes the alert, unless it has
 *   `continue: true`, in which case the following siblings are tried as well.
 * - A node none of whose children match handles the alert itself.
 * - `receiver`, `group_by` and the three timings are inherited from the parent when not set.
 *   Defaults at the root: group_wait 30s, group_interval 5m, repeat_interval 4h, no grouping labels
 *   (one group per route).
 * - `group_by: ['...']` groups by every label (each distinct label set its own group).
 *
 * Pure: no I/O, no clock.
 */

export const DEFAULT_GROUP_WAIT_MS = 30_000;
export const DEFAULT_GROUP_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 60 * 60_000;

/** A route as configured: everything but the matchers is optional and inherited. */
export interface RouteSpec {
  readonly receiver?: string;
  readonly matchers?: readonly Matcher[];
  readonly continue?: boolean;
  /** Label names; `['...']` groups by every label. */
  readonly groupBy?: readonly string[];
  readonly groupWaitMs?: number;
  readonly groupIntervalMs?: number;
  readonly repeatIntervalMs?: number;
  readonly routes?: readonly RouteSpec[];
}

/** The root's spec: the receiver is required; matchers and continue make no sense at the root. */
export interface RootRouteSpec extends Omit<RouteSpec, 'matchers' | 'continue' | 'receiver'> {
  readonly receiver: string;
}

/** A route with every inherited parameter filled in. */
export interface Route {
  /**
   * Alertmanager's `Route.Key()`: the parent's key, `/`, the route's matchers sorted by name, value and
   * operator (`{}` for the root, `{}/{severity="page",team="payments"}` below it). Not unique: siblings
   * with the same matchers share it.
   */
  readonly key: string;
  /** Unique in the tree, like Alertmanager's `Route.ID()`: the key, `/` and the position among siblings. */
  readonly id: string;
  /** Where the route is written in the config: `route`, `route.routes[0]`, ... */
  readonly path: string;
  readonly receiver: string;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  /** Grouping labels, or `'all'` for `['...']`. */
  readonly groupBy: readonly string[] | 'all';
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly routes: readonly Route[];
}

export const GROUP_BY_ALL = '...';

function groupByOf(spec: RouteSpec, parent: Route['groupBy']): Route['groupBy'] {
  if (spec.groupBy === undefined) return parent;
  return spec.groupBy.includes(GROUP_BY_ALL) ? 'all' : [...new Set(spec.groupBy)];
}

const TYPE_ORDER: Readonly<Record<Matcher['type'], number>> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** Alertmanager's matcher order (`labels.Matchers.Less`): by name, then value, then operator. */
function compareMatchers(a: Matcher, b: Matcher): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

/** Builds the tree, filling in inherited parameters (root defaults: 30s / 5m / 4h, no grouping labels). */
export function buildRouteTree(root: RootRouteSpec): Route {
  const base: Route = {
    key: '{}',
    id: '{}',
    path: 'route',
    receiver: root.receiver,
    matchers: [],
    continue: false,
    groupBy: groupByOf(root, []),
    groupWaitMs: root.groupWaitMs ?? DEFAULT_GROUP_WAIT_MS,
    groupIntervalMs: root.groupIntervalMs ?? DEFAULT_GROUP_INTERVAL_MS,
    repeatIntervalMs: root.repeatIntervalMs ?? DEFAULT_REPEAT_INTERVAL_MS,
    routes: [],
  };
  return { ...base, routes: (root.routes ?? []).map((child, i) => buildChild(child, base, i)) };
}

function buildChild(spec: RouteSpec, parent: Route, index: number): Route {
  const matchers = spec.matchers ?? [];
  const key = `${parent.key}/${formatMatchers([...matchers].sort(compareMatchers))}`;
  const node: Route = {
    key,
    id: `${key}/${index}`,
    path: `${parent.path}.routes[${index}]`,
    receiver: spec.receiver ?? parent.receiver,
    matchers,
    continue: spec.continue ?? false,
    groupBy: groupByOf(spec, parent.groupBy),
    groupWaitMs: spec.groupWaitMs ?? parent.groupWaitMs,
    groupIntervalMs: spec.groupIntervalMs ?? parent.groupIntervalMs,
    repeatIntervalMs: spec.repeatIntervalMs ?? parent.repeatIntervalMs,
    routes: [],
  };
  return { ...node, routes: (spec.routes ?? []).map((child, i) => buildChild(child, node, i)) };
}

/**
 * The routes that handle an alert with these labels, in tree order (depth first, left to right). Never
 * empty: the root matches everything and handles what no child takes.
 */
export function matchRoutes(root: Route, labels: Labels): Route[] {
  return matchNode(root, labels, true) ?? [root];
}

function matchNode(node: Route, labels: Labels, isRoot: boolean): Route[] | undefined {
  if (!isRoot && !matchesAll(node.matchers, labels)) return undefined;
  const found: Route[] = [];
  for (const child of node.routes) {
    const matched = matchNode(child, labels, false);
    if (matched === undefined) continue;
    found.push(...matched);
    if (!child.continue) break;
  }
  return found.length > 0 ? found : [node];
}

/** The distinct receivers an alert goes to, in tree order. */
export function receiversFor(root: Route, labels: Labels): string[] {
  return [...new Set(matchRoutes(root, labels).map((r) => r.receiver))];
}

/** Every route of the tree, depth first (the root first). */
export function walkRoutes(root: Route): Route[] {
  return [root, ...root.routes.flatMap(walkRoutes)];
}
