import { z } from 'zod';
import { formatBurnRate, formatFractionPercent, formatHumanDuration } from '../src/notify/alert-text.js';

/**
 * What the demo prints: burnwatch's console receiver writes one JSON line per notification
 * (src/notify/console/render.ts); the demo reads those lines and tells them as a short story. Warnings of
 * burnwatch's JSON log (standard error) are shortened to one line. Pure.
 */

/** Numbers JSON cannot hold arrive as Prometheus writes them. */
const JsonNumber = z.union([z.number(), z.enum(['+Inf', '-Inf', 'NaN'])]).transform((v) => (typeof v === 'number' ? v : Number(v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : NaN)));

/** The fields of a console notification line the demo uses (others are ignored). */
export const NotificationLine = z.object({
  type: z.literal('burnwatch.notification'),
  status: z.enum(['firing', 'resolved']),
  kind: z.string(),
  severity: z.string(),
  slo: z.object({ id: z.string(), displayName: z.string().nullable(), objective: z.number(), period: z.string() }),
  annotations: z.record(z.string(), z.string()),
  tiers: z.array(z.object({
    longWindow: z.string(),
    shortWindow: z.string(),
    longBurnRate: JsonNumber,
    shortBurnRate: JsonNumber,
    threshold: JsonNumber,
    active: z.boolean(),
  })),
  budget: z.object({ remaining: JsonNumber, timeToExhaustion: z.string() }),
  links: z.object({ runbook: z.string().nullable(), sliQuery: z.string().nullable() }),
  startsAt: z.string(),
  resolution: z.object({ firedForMs: z.number(), budgetSpent: JsonNumber }).nullable(),
});
export type NotificationLine = z.infer<typeof NotificationLine>;

/** A line of burnwatch's standard output as a notification, or undefined when it is something else. */
export function parseNotificationLine(line: string): NotificationLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = NotificationLine.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Where the runbook is: the link when burnwatch made one (BURNWATCH_RUNBOOK_BASE_URL), else the path in the SLO file. */
export function runbookOf(n: NotificationLine): string | undefined {
  return n.links.runbook ?? n.annotations['runbook_url'] ?? n.annotations['runbook'];
}

/** `1:05` for 65 s; the demo's clock. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

export interface NarrateContext {
  /** A local runbook path as something a terminal can open (a file:// URL), when the file exists. */
  readonly openable?: (path: string) => string | undefined;
}

const LABEL_WIDTH = 12;

function detail(label: string, text: string): string {
  return `    ${label.padEnd(LABEL_WIDTH)} ${text}`;
}

/** The lines printed for a notification (without the time stamp). */
export function describeNotification(n: NotificationLine, context: NarrateContext = {}): string[] {
  const what = n.severity.toUpperCase();
  const name = `${n.slo.displayName ?? n.slo.id} (${n.slo.id})`;
  if (n.status === 'resolved') {
    const resolution = n.resolution;
    const parts = [`${what} RESOLVED  ${name}${resolution === null ? '' : `, after firing for ${formatHumanDuration(resolution.firedForMs)}`}`];
    if (resolution !== null) {
      parts.push(detail('budget', `${formatFractionPercent(resolution.budgetSpent)} of the ${n.slo.period} budget spent while it fired; ${formatFractionPercent(n.budget.remaining)} left`));
    } else {
      parts.push(detail('budget', `${formatFractionPercent(n.budget.remaining)} of the ${n.slo.period} budget left`));
    }
    return parts;
  }
  const lines = [`${what} FIRING  ${n.annotations['summary'] ?? name}`];
  const active = n.tiers.filter((t) => t.active);
  for (const t of active.length > 0 ? active : n.tiers) {
    lines.push(detail('burn rate', `${formatBurnRate(t.longBurnRate)} over ${t.longWindow} and ${formatBurnRate(t.shortBurnRate)} over ${t.shortWindow}; ${n.severity === 'page' ? 'pages' : 'fires'} above ${formatBurnRate(t.threshold)} in both`));
  }
  const left = `${formatFractionPercent(n.budget.remaining)} of the ${n.slo.period} budget left`;
  lines.push(detail('budget', n.budget.timeToExhaustion === 'not burning' ? left : `${left}; gone in ${n.budget.timeToExhaustion} at this rate`));
  const runbook = runbookOf(n);
  if (runbook !== undefined) {
    lines.push(detail('runbook', `>>> ${runbook} <<<`));
    const open = /^https?:\/\//i.test(runbook) ? undefined : context.openable?.(runbook);
    if (open !== undefined) lines.push(detail('', open));
  } else {
    lines.push(detail('runbook', '(the SLO names none: set spec.alerting.runbook)'));
  }
  if (n.links.sliQuery !== null) lines.push(detail('SLI graph', n.links.sliQuery));
  return lines;
}

/**
 * pino's JSON line: level, message, the error's first line, and the other fields as `key=value` (without the
 * ones every line has); undefined when the line is not JSON.
 */
export function parseLogLine(line: string): { level: string; msg: string; receiver?: string; error?: string; fields: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { level, msg, err, error, receiver, time: _time, service: _service, version: _version, pid: _pid, hostname: _hostname, ...rest } = value as Record<string, unknown>;
  const problem = err ?? error;
  const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const fields = Object.entries({ ...(receiver === undefined ? {} : { receiver }), ...rest }).map(([k, v]) => `${k}=${text(v)}`).join(' ');
  return {
    level: String(level),
    msg: String(msg),
    ...(typeof receiver === 'string' ? { receiver } : {}),
    ...(problem === undefined ? {} : { error: text(problem).split('\n')[0] ?? '' }),
    fields: fields.length > 200 ? `${fields.slice(0, 197)}...` : fields,
  };
}
