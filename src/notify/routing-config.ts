import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { InhibitRule } from '../routing/inhibit.js';
import { pageInhibitsTicketRule } from '../routing/inhibit.js';
import { LABEL_NAME_RE } from '../routing/labels.js';
import type { Matcher } from '../routing/matchers.js';
import { parseMatchers } from '../routing/matchers.js';
import type { RootRouteSpec, Route, RouteSpec } from '../routing/route.js';
import { buildRouteTree, GROUP_BY_ALL, walkRoutes } from '../routing/route.js';
import { parseDuration } from '../slo/duration.js';
import type { LocatedDocument, Location, PathSegment, LocatedProblem } from '../formats/located.js';
import { formatPath, parseYamlFile } from '../formats/located.js';
import { closest, issuesToErrors, located } from '../formats/zod-errors.js';
import type { Notifier, NotifierDeps, NotifierFactory, SecretResolver } from './notifier.js';
import { notifierFactories } from './registry.js';

/**
 * The routing config file: which receivers exist, which alerts go where (an Alertmanager-style route
 * tree), extra inhibition rules, and the links put into notifications.
 *
 * ```yaml
 * route:
 *   receiver: default
 *   group_by: [slo, severity]
 *   routes:
 *     - matchers: ['severity="page"', 'team="payments"']
 *       receiver: payments-pager
 *       continue: true
 * receivers:
 *   - name: payments-pager
 *     pagerduty: { routingKey: { env: PD_PAYMENTS_KEY } }
 *   - name: default
 *     console: {}
 * inhibit_rules:                    # optional, in addition to the built-in page-inhibits-ticket rule
 *   - source_matchers: ['severity="page"', 'team="payments"']
 *     target_matchers: ['team="payments"', 'severity="ticket"']
 *     equal: [service]
 * links:                            # optional: where notifications link to
 *   runbookBaseUrl: https://github.com/acme/slos/blob/main/
 *   prometheusUrl: https://prometheus.example.com
 *   dashboardUrl: https://grafana.example.com/d/slo
 * ```
 *
 * Links live here, beside the receivers, because they shape what notifications say; they are the
 * engine's `LinkSettings`. Route fields, matchers and inhibit rules are written as in Alertmanager's
 * configuration (docs/configuration.md), so a team can move rules between the two.
 *
 * Loading is two steps, like SLO files: `parseRoutingConfig` (schema + cross-checks, located errors) and
 * `buildReceivers` (creates the notifiers, which resolves the secrets; a missing secret is a located error
 * naming the receiver and the environment variable or file). Without a routing config, burnwatch uses
 * `DEFAULT_ROUTING_CONFIG_YAML`: everything goes to one console receiver.
 */

export const DEFAULT_ROUTING_CONFIG_FILE = '(built-in default routing config)';

/** Used when no routing config is given: every notification is one JSON line on standard output. */
export const DEFAULT_ROUTING_CONFIG_YAML = `# burnwatch's built-in routing: every notification goes to standard output as one JSON line.
route:
  receiver: console
receivers:
  - name: console
    console: {}
`;

const MATCHER_HINT = 'write e.g. severity="page", slo=~"api-.*" or team!="payments"';

const MatcherText = z
  .string({ error: `must be a matcher in quotes\n${MATCHER_HINT}` })
  .superRefine((text, ctx) => {
    const parsed = parseMatchers(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${parsed.message}\n${parsed.hint}` });
  });

const MatcherList = z.array(MatcherText, { error: `must be a list of matchers\n${MATCHER_HINT}, one per list entry` });

const LabelNameText = z
  .string({ error: 'must be a label name\nwrite e.g. slo' })
  .regex(LABEL_NAME_RE, { error: (issue) => `"${String(issue.input)}" is not a label name\nuse letters, digits and underscores, not starting with a digit (e.g. slo, team)` });

const GroupBy = z
  .array(z.union([z.literal(GROUP_BY_ALL), LabelNameText], { error: 'must be a label name or "..."\nwrite e.g. slo, or "..." to group by every label' }), {
    error: 'must be a list of label names\nwrite e.g. group_by: [slo, severity], or group_by: ["..."]',
  })
  .superRefine((names, ctx) => {
    if (names.includes(GROUP_BY_ALL) && names.length > 1) {
      ctx.addIssue({ code: 'custom', message: '"..." groups by every label and cannot be combined with other labels\nwrite group_by: ["..."] alone, or list the labels' });
    }
  });

function durationText(field: string, example: string, allowZero: boolean) {
  return z
    .string({ error: `must be a duration such as ${example}\nwrite e.g. ${field}: ${example}` })
    .refine((text) => {
      const ms = parseDuration(text);
      return ms !== undefined && (allowZero || ms > 0);
    }, { error: (issue) => `"${String(issue.input)}" is not a ${allowZero ? '' : 'positive '}duration\nwrite e.g. ${field}: ${example} (units: ms, s, m, h, d, w)` });
}

const RouteTimings = {
  group_by: GroupBy.optional(),
  group_wait: durationText('group_wait', '30s', true).optional(),
  group_interval: durationText('group_interval', '5m', false).optional(),
  repeat_interval: durationText('repeat_interval', '4h', false).optional(),
};

const ReceiverRef = z.string({ error: 'must be the name of a receiver\nwrite e.g. receiver: default' }).min(1, { error: 'is empty\nwrite the name of a receiver' });

interface RouteFile {
  receiver?: string | undefined;
  matchers?: string[] | undefined;
  continue?: boolean | undefined;
  group_by?: string[] | undefined;
  group_wait?: string | undefined;
  group_interval?: string | undefined;
  repeat_interval?: string | undefined;
  routes?: RouteFile[] | undefined;
}

const ChildRoute: z.ZodType<RouteFile> = z.strictObject({
  receiver: ReceiverRef.optional(),
  matchers: MatcherList.optional(),
  continue: z.boolean({ error: 'must be true or false' }).optional(),
  ...RouteTimings,
  get routes() {
    return z.array(ChildRoute, { error: 'must be a list of routes' }).optional();
  },
});

const RootRoute = z.strictObject({
  receiver: ReceiverRef,
  // Accepted here only to say clearly why they do not belong at the root.
  matchers: z.unknown().optional(),
  continue: z.unknown().optional(),
  ...RouteTimings,
  routes: z.array(ChildRoute, { error: 'must be a list of routes' }).optional(),
});

const ReceiverName = z
  .string({ error: 'must be a name such as payments-pager' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a receiver name\nuse up to 64 letters, digits, "-", "_" and ".", starting with a letter or digit (e.g. payments-pager)`,
  });

const InhibitRuleFile = z.strictObject({
  source_matchers: MatcherList.min(1, { error: 'is empty: the rule would treat every alert as a source\nadd a matcher, e.g. severity="page"' }),
  target_matchers: MatcherList.min(1, { error: 'is empty: the rule would mute every alert\nadd a matcher, e.g. severity="ticket"' }),
  equal: z.array(LabelNameText, { error: 'must be a list of label names\nwrite e.g. equal: [slo]' }).optional(),
});

const LinkUrl = z
  .string({ error: 'must be an http(s) URL' })
  .regex(/^https?:\/\/[^\s/?#]+/, { error: 'is not an http(s) URL\nwrite e.g. https://prometheus.example.com' });

const Links = z.strictObject({
  runbookBaseUrl: LinkUrl.optional().meta({ description: 'Prepended to relative runbook paths, e.g. https://github.com/acme/slos/blob/main/.' }),
  prometheusUrl: LinkUrl.optional().meta({ description: 'Prometheus UI for the SLI query link (generatorURL).' }),
  dashboardUrl: LinkUrl.optional().meta({ description: 'A dashboard linked from every notification.' }),
});

/** The file schema; receivers take one key per destination in `factories`. */
export function routingConfigSchema(factories: readonly NotifierFactory<unknown>[] = notifierFactories) {
  const shape: Record<string, z.ZodType> = { name: ReceiverName };
  for (const f of factories) shape[f.kind] = f.config.optional();
  // "Exactly one destination" is checked in parseRoutingConfig, in the order the keys are written.
  const Receiver = z.strictObject(shape);
  return z.strictObject({
    route: RootRoute,
    receivers: z.array(Receiver, { error: 'must be a list of receivers\nwrite e.g. receivers: [{ name: default, console: {} }]' })
      .min(1, { error: 'is empty\nadd at least the receiver the root route names' }),
    inhibit_rules: z.array(InhibitRuleFile, { error: 'must be a list of inhibit rules' }).optional(),
    links: Links.optional(),
  });
}

export interface RoutingLinks {
  readonly runbookBaseUrl?: string;
  readonly prometheusUrl?: string;
  readonly dashboardUrl?: string;
}

/** A receiver as configured: its destination kind and that destination's parsed config. */
export interface ReceiverSpec {
  readonly name: string;
  readonly kind: string;
  readonly config: unknown;
  /** Index in `receivers:` (for locating problems found when the notifier is built). */
  readonly index: number;
  readonly location: Location;
}

export interface RoutingConfig {
  readonly file: string;
  readonly route: Route;
  readonly receivers: readonly ReceiverSpec[];
  /** The file's inhibit rules (the built-in rule is added by `inhibitRulesFor`). */
  readonly inhibitRules: readonly InhibitRule[];
  readonly links: RoutingLinks;
  readonly doc: LocatedDocument;
}

export type RoutingConfigResult =
  | { readonly ok: true; readonly config: RoutingConfig; readonly warnings: readonly LocatedProblem[] }
  | { readonly ok: false; readonly errors: readonly LocatedProblem[] };

function matchersOf(texts: readonly string[] | undefined): Matcher[] {
  return (texts ?? []).flatMap((t) => {
    const parsed = parseMatchers(t);
    return parsed.ok ? parsed.value : [];
  });
}

function durationMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDuration(text);
}

function timingsOf(r: RouteFile): Pick<RouteSpec, 'groupBy' | 'groupWaitMs' | 'groupIntervalMs' | 'repeatIntervalMs'> {
  const wait = durationMs(r.group_wait);
  const interval = durationMs(r.group_interval);
  const repeat = durationMs(r.repeat_interval);
  return {
    ...(r.group_by === undefined ? {} : { groupBy: r.group_by }),
    ...(wait === undefined ? {} : { groupWaitMs: wait }),
    ...(interval === undefined ? {} : { groupIntervalMs: interval }),
    ...(repeat === undefined ? {} : { repeatIntervalMs: repeat }),
  };
}

function routeSpecOf(r: RouteFile): RouteSpec {
  return {
    ...(r.receiver === undefined ? {} : { receiver: r.receiver }),
    matchers: matchersOf(r.matchers),
    ...(r.continue === undefined ? {} : { continue: r.continue }),
    ...timingsOf(r),
    routes: (r.routes ?? []).map(routeSpecOf),
  };
}

/** Every `receiver:` reference in the route tree, with its path. */
function receiverRefs(r: RouteFile, path: PathSegment[], out: { name: string; path: PathSegment[] }[]): void {
  if (r.receiver !== undefined) out.push({ name: r.receiver, path: [...path, 'receiver'] });
  (r.routes ?? []).forEach((child, i) => receiverRefs(child, [...path, 'routes', i], out));
}

/** Parses and checks a routing config file; every problem comes back located. */
export function parseRoutingConfig(file: string, text: string, factories: readonly NotifierFactory<unknown>[] = notifierFactories): RoutingConfigResult {
  const parsedFile = parseYamlFile(file, text);
  if (parsedFile.errors.length > 0) return { ok: false, errors: parsedFile.errors };
  const [doc, ...extra] = parsedFile.documents;
  if (doc === undefined) {
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: 'the routing config is empty', hint: 'write at least route: { receiver: default } and receivers: [{ name: default, console: {} }]' }] };
  }
  if (extra.length > 0) {
    const second = extra[0]!.locate([]);
    return { ok: false, errors: [{ ...second, message: 'the routing config must be a single YAML document', hint: 'remove the "---" separator and merge the documents' }] };
  }
  const schema = routingConfigSchema(factories);
  const parsed = schema.safeParse(doc.value());
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues, doc, schema) };
  const data = parsed.data;
  const errors: LocatedProblem[] = [];
  const warnings: LocatedProblem[] = [];

  if (data.route.matchers !== undefined) {
    errors.push(located(doc, ['route', 'matchers'], 'the root route matches every alert and takes no matchers', 'move the matchers to a child route under route.routes', true));
  }
  if (data.route.continue !== undefined) {
    errors.push(located(doc, ['route', 'continue'], 'the root route has no siblings, so continue means nothing there', 'remove continue from the root route', true));
  }

  const kinds = factories.map((f) => f.kind);
  const receivers: ReceiverSpec[] = [];
  const firstIndex = new Map<string, number>();
  data.receivers.forEach((raw, index) => {
    const r = raw as Record<string, unknown> & { name: string };
    const written = Object.keys(doc.child(['receivers', index]).value() as object).filter((k) => kinds.includes(k));
    if (written.length !== 1) {
      errors.push(written.length === 0
        ? located(doc, ['receivers', index], `receiver "${r.name}" has no destination`, `add exactly one of ${kinds.join(', ')}, e.g. console: {}`)
        : located(doc, ['receivers', index, written[1] ?? ''], `receiver "${r.name}" has both ${written[0]} and ${written[1]}`,
          'keep one destination per receiver; to notify both, make two receivers and route with continue: true', true));
      return;
    }
    const previous = firstIndex.get(r.name);
    if (previous !== undefined) {
      const at = doc.locate(['receivers', previous, 'name']);
      errors.push(located(doc, ['receivers', index, 'name'], `receiver name "${r.name}" is already used by receivers[${previous}] (line ${at.line})`, 'give every receiver its own name'));
      return;
    }
    firstIndex.set(r.name, index);
    const kind = written[0] ?? '';
    receivers.push({ name: r.name, kind, config: r[kind], index, location: doc.locate(['receivers', index, kind], { key: true }) });
  });

  const refs: { name: string; path: PathSegment[] }[] = [];
  receiverRefs(data.route as RouteFile, ['route'], refs);
  const names = [...firstIndex.keys()];
  for (const ref of refs) {
    if (firstIndex.has(ref.name)) continue;
    const suggestion = closest(ref.name, names);
    errors.push(located(doc, ref.path, `unknown receiver "${ref.name}"`, suggestion === undefined ? `define it under receivers, or use one of: ${names.join(', ')}` : `did you mean "${suggestion}"?`));
  }
  if (errors.length > 0) return { ok: false, errors };

  const used = new Set(refs.map((r) => r.name));
  for (const r of receivers) {
    if (!used.has(r.name)) {
      warnings.push({ ...located(doc, ['receivers', r.index, 'name'], `receiver "${r.name}" is not used by any route`, 'route alerts to it (route.routes[].receiver) or remove it'), severity: 'warning' });
    }
  }

  const root: RootRouteSpec = { ...routeSpecOf({ ...(data.route as RouteFile), matchers: undefined, continue: undefined }), receiver: data.route.receiver };
  const inhibitRules: InhibitRule[] = (data.inhibit_rules ?? []).map((rule, i) => ({
    name: `${file}: inhibit_rules[${i}]`,
    sourceMatchers: matchersOf(rule.source_matchers),
    targetMatchers: matchersOf(rule.target_matchers),
    equal: rule.equal ?? [],
  }));
  const links: RoutingLinks = {
    ...(data.links?.runbookBaseUrl === undefined ? {} : { runbookBaseUrl: data.links.runbookBaseUrl }),
    ...(data.links?.prometheusUrl === undefined ? {} : { prometheusUrl: data.links.prometheusUrl }),
    ...(data.links?.dashboardUrl === undefined ? {} : { dashboardUrl: data.links.dashboardUrl }),
  };
  return { ok: true, config: { file, route: buildRouteTree(root), receivers, inhibitRules, links, doc }, warnings };
}

/** Reads and parses a routing config file; an unreadable file is a located error too. */
export async function loadRoutingConfig(path: string, factories: readonly NotifierFactory<unknown>[] = notifierFactories): Promise<RoutingConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, errors: [{ file: path, line: 1, col: 1, path: '', message: `cannot read the routing config: ${reason}`, hint: 'check the path and its permissions, or leave the setting out to send everything to standard output' }] };
  }
  return parseRoutingConfig(path, text, factories);
}

/** The built-in routing (everything to one console receiver). */
export function defaultRoutingConfig(factories: readonly NotifierFactory<unknown>[] = notifierFactories): RoutingConfig {
  const result = parseRoutingConfig(DEFAULT_ROUTING_CONFIG_FILE, DEFAULT_ROUTING_CONFIG_YAML, factories);
  if (!result.ok) throw new Error(`the built-in routing config is invalid: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.config;
}

/**
 * The inhibit rules in force: the built-in "a firing page inhibits the ticket of the same SLO instance"
 * (see `pageInhibitsTicketRule`; pass the union of the loaded SLOs' groupBy labels), then the file's rules.
 */
export function inhibitRulesFor(config: RoutingConfig, instanceLabelNames: readonly string[]): InhibitRule[] {
  return [pageInhibitsTicketRule(instanceLabelNames), ...config.inhibitRules];
}

/** Every receiver name the route tree can send to (for checks and metrics). */
export function routedReceivers(config: RoutingConfig): string[] {
  return [...new Set(walkRoutes(config.route).map((r) => r.receiver))];
}

/** A secret reference that could not be resolved, with the reference and what it was for. */
class UnresolvedSecret extends Error {
  override readonly name = 'UnresolvedSecret';
  constructor(
    readonly ref: { readonly env?: string; readonly file?: string },
    readonly what: string,
    reason: string,
  ) {
    super(reason);
  }
}

function describeRef(ref: { readonly env?: string; readonly file?: string }): string {
  return ref.env !== undefined ? `the environment variable ${ref.env}` : `the file ${ref.file ?? '?'}`;
}

/** Path (inside a destination's raw config) of the `{ env }` / `{ file }` object naming this reference. */
function findRefPath(value: unknown, ref: { readonly env?: string; readonly file?: string }, path: PathSegment[] = []): PathSegment[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  if ((ref.env !== undefined && obj.env === ref.env) || (ref.file !== undefined && obj.file === ref.file)) return path;
  for (const [key, child] of Object.entries(obj)) {
    const found = findRefPath(child, ref, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

export type BuildReceiversResult =
  | { readonly ok: true; readonly notifiers: ReadonlyMap<string, Notifier> }
  | { readonly ok: false; readonly errors: readonly LocatedProblem[] };

/**
 * Creates one notifier per receiver. Each factory resolves its secrets through `deps.secrets` while it
 * creates its notifier; a secret that resolves to nothing (unset variable, missing or empty file) and any
 * other creation failure becomes a located error that names the receiver, the field and the variable or
 * file. Every receiver is tried, so all problems are reported at once.
 */
export function buildReceivers(config: RoutingConfig, deps: NotifierDeps, factories: readonly NotifierFactory<unknown>[] = notifierFactories): BuildReceiversResult {
  const notifiers = new Map<string, Notifier>();
  const errors: LocatedProblem[] = [];
  const secrets: SecretResolver = (ref, what) => {
    let value: string;
    try {
      value = deps.secrets(ref, what);
    } catch (err) {
      throw new UnresolvedSecret(ref, what, err instanceof Error ? err.message : String(err));
    }
    if (value.trim() === '') throw new UnresolvedSecret(ref, what, `${describeRef(ref)} is empty`);
    return value;
  };
  for (const receiver of config.receivers) {
    const factory = factories.find((f) => f.kind === receiver.kind);
    const base: PathSegment[] = ['receivers', receiver.index, receiver.kind];
    if (factory === undefined) {
      errors.push(located(config.doc, base, `receiver "${receiver.name}": no destination "${receiver.kind}"`, `use one of ${factories.map((f) => f.kind).join(', ')}`, true));
      continue;
    }
    try {
      notifiers.set(receiver.name, factory.create(receiver.name, receiver.config, { ...deps, secrets }));
    } catch (err) {
      if (err instanceof UnresolvedSecret) {
        const rawConfig = config.doc.child(base).value();
        const refPath = findRefPath(rawConfig, err.ref);
        const path = refPath === undefined ? base : [...base, ...refPath];
        const field = refPath === undefined ? receiver.kind : formatPath([receiver.kind, ...refPath]);
        errors.push(located(
          config.doc,
          path,
          `receiver "${receiver.name}": the secret for ${field} cannot be read from ${describeRef(err.ref)}: ${err.message}`,
          err.ref.env !== undefined
            ? `set ${err.ref.env} in burnwatch's environment, or point ${field} at another { env: NAME } or { file: PATH }`
            : `create ${err.ref.file ?? 'the file'} readable by burnwatch, or point ${field} at another { env: NAME } or { file: PATH }`,
        ));
      } else {
        const message = err instanceof Error ? err.message : String(err);
        errors.push(located(config.doc, base, `receiver "${receiver.name}": ${message}`, `check the ${receiver.kind} settings of this receiver`, true));
      }
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, notifiers };
}
