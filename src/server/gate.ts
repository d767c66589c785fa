import { horizonMs } from '../engine/engine.js';
import type { Matcher } from '../routing/matchers.js';
import { formatMatchers, matchesAll, parseMatchers } from '../routing/matchers.js';
import { periodWindow } from '../slo/calendar.js';
import { DAY } from '../slo/duration.js';
import { budgetStatus, readPeriodSums } from '../slo/evaluate.js';
import type { GateReason, GateState, GateVerdict } from '../slo/gate.js';
import { decideGate, frozenSince, judgeSubject, parseBudgetShare, reasonText } from '../slo/gate.js';
import type { Slo } from '../slo/model.js';
import { nominalPeriodMs } from '../slo/windows.js';
import { labelsKey } from '../slo/labels.js';
import type { GateEntry } from './gate-state.js';
import { gateEntries, gateMaxAgeMs } from './gate-state.js';
import type { Reply } from './http.js';
import { HttpError } from './http.js';
import type { Route } from './server.js';
import { route } from './server.js';
import type { StatusReader } from './ui/reader.js';
import { seriesReadStart, sumsFromRows } from './ui/series.js';
import { UnavailableError } from './view.js';

/**
 * `GET /api/v1/gate`: whether the error budget allows a deploy, for a CI/CD pipeline (`burnwatch gate`).
 *
 *   ?slo=ID        an SLO by id (repeatable: any of them)
 *   ?service=NAME  every SLO of a service (repeatable: any of them)
 *   ?matcher=M     SLO instances whose labels match (name="value", name!="value", or a {a="1",b="2"} list;
 *                  repeatable: all must hold). Labels: the SLO's and its routing labels, the instance's, slo, service.
 *   ?minBudget=25% the threshold for every selected SLO (else each SLO's policy.freezeBelow, else 0)
 * The selectors given all apply. Regular-expression matchers are refused: the endpoint is open to anyone who
 * reaches burnwatch, and a regular expression can run for an unbounded time.
 *
 * The answer comes from the last evaluation cycle (no Prometheus query): 200 `{allow: true}` when every
 * selected instance has at least the threshold left, 200 `{allow: false}` when one is below it (or exhausted);
 * 503 when burnwatch cannot tell for an instance and none is below; 400 / 404 for a request it cannot answer.
 * Every answer carries `allow`, `state` (allowed, frozen, unknown) and `reasons` (one per selected instance,
 * frozen first); errors add `error` and `hint`. "Since when" a frozen instance has been below its threshold is
 * read from the ledger, so a restart does not lose it.
 */

export type GateReader = Pick<StatusReader, 'now' | 'intervalMs' | 'slos' | 'ledgerRows'>;

const PARAMETERS: ReadonlySet<string> = new Set(['slo', 'service', 'matcher', 'minBudget']);
/** Selectors in one request (slo, service and matcher values together). */
const MAX_SELECTORS = 100;
/**
 * Frozen instances whose "since when" one request reads from the ledger (a 30-day SLO frozen for days costs
 * a few milliseconds: 2,400 ledger rows, 1,700 instants); the rest answer since: null.
 */
const MAX_SINCE_LOOKUPS = 20;
/** "Since when" answers kept for the same evaluation, instance and threshold (pipelines and pages ask again and again). */
const SINCE_CACHE_SIZE = 256;
const STATE_ORDER: Readonly<Record<GateState, number>> = { frozen: 0, unknown: 1, allowed: 2 };
const USAGE_HINT = 'e.g. GET /api/v1/gate?service=checkout&minBudget=25%25 (slo=ID, service=NAME, matcher=name="value", each repeatable; minBudget=25% or 0.25)';

/** Since when a frozen instance has been below its threshold (undefined: the ledger has no rows for it). */
type Since = { sinceMs: number; atLeast: boolean } | undefined;

interface GateRequest {
  readonly slos: readonly string[];
  readonly services: readonly string[];
  readonly matchers: readonly Matcher[];
  readonly minBudget?: number;
}

/** A request the gate cannot answer: an error that still says `allow: false`. */
function cannotTell(status: number, message: string, hint: string): HttpError {
  return new HttpError(status, message, hint, { allow: false, state: 'unknown', reasons: [] });
}

const quoted = (values: readonly string[]): string => values.map((v) => JSON.stringify(v)).join(', ');

function parseRequest(query: URLSearchParams): GateRequest {
  for (const key of new Set(query.keys())) {
    if (!PARAMETERS.has(key)) throw cannotTell(400, `unknown parameter ${JSON.stringify(key.slice(0, 100))}`, USAGE_HINT);
  }
  const slos = query.getAll('slo');
  const services = query.getAll('service');
  const matcherTexts = query.getAll('matcher');
  const count = slos.length + services.length + matcherTexts.length;
  if (count === 0) throw cannotTell(400, 'name the SLOs to check: give slo, service or matcher', USAGE_HINT);
  if (count > MAX_SELECTORS) throw cannotTell(400, `${count} selectors: at most ${MAX_SELECTORS} per request`, 'select by service or by a label the SLOs share');
  const matchers: Matcher[] = [];
  for (const text of matcherTexts) {
    const parsed = parseMatchers(text);
    if (!parsed.ok) throw cannotTell(400, `matcher ${JSON.stringify(text.slice(0, 200))}: ${parsed.message}`, parsed.hint);
    const regex = parsed.value.find((m) => m.type === '=~' || m.type === '!~');
    if (regex !== undefined) {
      throw cannotTell(400, `regular-expression matchers (${regex.type}) are not accepted by the gate: it is open to anyone who reaches burnwatch, and a regular expression can run for an unbounded time`, 'use name="value" or name!="value" matchers, and repeat slo= or service= to check several');
    }
    matchers.push(...parsed.value);
  }
  const thresholds = query.getAll('minBudget');
  if (thresholds.length > 1) throw cannotTell(400, 'give minBudget once', 'one threshold applies to every selected SLO');
  const threshold = thresholds[0];
  if (threshold === undefined) return { slos, services, matchers };
  const share = parseBudgetShare(threshold);
  if (!share.ok) throw cannotTell(400, `minBudget: ${share.message}`, share.hint);
  return { slos, services, matchers, minBudget: share.value };
}

/** The selected SLO instances; an id or a service that is not loaded, or a selection of nothing, is a 404. */
function select(reader: GateReader, request: GateRequest): GateEntry[] {
  const statuses = reader.slos();
  const missingIds = request.slos.filter((id) => !statuses.some((s) => s.slo.id === id));
  if (missingIds.length > 0) throw cannotTell(404, `no SLO with id ${quoted(missingIds)}`, 'GET /api/v1/slos lists the loaded SLOs and their ids');
  const missingServices = request.services.filter((name) => !statuses.some((s) => s.slo.service === name));
  if (missingServices.length > 0) throw cannotTell(404, `no SLO of service ${quoted(missingServices)}`, 'GET /api/v1/slos lists the loaded SLOs and their services');
  const entries = statuses
    .filter((s) => (request.slos.length === 0 || request.slos.includes(s.slo.id)) && (request.services.length === 0 || request.services.includes(s.slo.service)))
    .flatMap((s) => gateEntries(s, request.minBudget))
    .filter((e) => matchesAll(request.matchers, e.matchLabels));
  if (entries.length === 0) throw cannotTell(404, `no SLO instance matches ${formatMatchers(request.matchers)}${request.slos.length + request.services.length > 0 ? ' among the SLOs selected' : ''}`, 'GET /api/v1/instances lists every SLO instance and its labels');
  return entries;
}

/**
 * How far back a rolling budget can be read: the ledger keeps an SLO's rows for its period plus its longest
 * window plus a day (Engine.rollup), and the budget at an instant reads one period back from it.
 */
function rollingLookbackMs(slo: Slo): number {
  return horizonMs(slo) + DAY - nominalPeriodMs(slo.period);
}

/**
 * Since when a frozen instance has been below its threshold: the budget at each ledger row (every slot for the
 * last 7 hours, then 5-minute and hourly rows), back to the start of a calendar period or as far as a rolling
 * budget can be read. Undefined when the instance has no ledger rows.
 */
async function sinceOf(reader: GateReader, entry: GateEntry): Promise<Since> {
  const { slo, subject } = entry;
  const atMs = subject.evaluatedAtMs;
  if (atMs === undefined) return undefined;
  const startMs = slo.period.kind === 'calendar' ? periodWindow(slo.period, atMs).startMs : atMs - rollingLookbackMs(slo);
  let rows;
  try {
    rows = await reader.ledgerRows(slo.id, subject.labels, seriesReadStart(slo, startMs), atMs);
  } catch (err) {
    if (err instanceof UnavailableError) throw cannotTell(503, err.message, err.hint);
    throw err;
  }
  if (rows === undefined || rows.length === 0) return undefined;
  const instants = [atMs];
  for (let i = rows.length - 1; i >= 0; i--) {
    const t = rows[i]?.slotMs ?? atMs;
    if (t < atMs && t > startMs) instants.push(t);
  }
  instants.push(startMs);
  return frozenSince((t) => budgetStatus(slo, readPeriodSums(slo, t, sumsFromRows(rows, t)), t, NaN).remaining, instants, subject.threshold.value);
}

type ReasonJson = GateReason & { readonly service: string; readonly evaluatedAt: string | null; readonly message: string };

function reasonJson(entry: GateEntry, verdict: GateVerdict, since: Since, nowMs: number): ReasonJson {
  const { slo, subject } = entry;
  const remaining = subject.budgetRemaining;
  const reason: Omit<ReasonJson, 'message'> = {
    slo: slo.id,
    service: slo.service,
    labels: subject.labels,
    state: verdict.state,
    budgetRemaining: verdict.state === 'unknown' || !Number.isFinite(remaining) ? null : remaining,
    threshold: subject.threshold.value,
    thresholdFrom: subject.threshold.from,
    evaluatedAt: subject.evaluatedAtMs === undefined ? null : new Date(subject.evaluatedAtMs).toISOString(),
    ...(verdict.state === 'frozen' ? { since: since === undefined ? null : new Date(since.sinceMs).toISOString(), sinceAtLeast: since?.atLeast ?? false } : {}),
    ...(verdict.why === undefined ? {} : { why: verdict.why }),
  };
  return { ...reason, message: reasonText(reason, nowMs) };
}

/** A bounded memo of `sinceOf`, valid for one evaluation of an instance (the key holds its time). */
export class SinceCache {
  private readonly entries = new Map<string, Since>();

  constructor(private readonly size = SINCE_CACHE_SIZE) {}

  async get(entry: GateEntry, compute: () => Promise<Since>): Promise<{ value: Since; computed: boolean }> {
    const { subject } = entry;
    const key = `${subject.sloId}\u0000${labelsKey(subject.labels)}\u0000${subject.threshold.value}\u0000${subject.evaluatedAtMs ?? ''}`;
    if (this.entries.has(key)) return { value: this.entries.get(key), computed: false };
    const value = await compute();
    if (this.entries.size >= this.size) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return { value, computed: true };
  }
}

export async function answerGate(reader: GateReader, query: URLSearchParams, cache = new SinceCache()): Promise<Reply> {
  const request = parseRequest(query);
  const entries = select(reader, request);
  const nowMs = reader.now();
  const maxAgeMs = gateMaxAgeMs(reader.intervalMs);
  const judged = entries
    .map((entry) => ({ entry, verdict: judgeSubject(entry.subject, nowMs, maxAgeMs) }))
    .sort((a, b) => STATE_ORDER[a.verdict.state] - STATE_ORDER[b.verdict.state]
      || compare(a.entry.slo.id, b.entry.slo.id)
      || compare(labelsKey(a.entry.subject.labels), labelsKey(b.entry.subject.labels)));
  const state = decideGate(judged.map((j) => j.verdict.state));
  let lookups = 0;
  const reasons: ReasonJson[] = [];
  for (const { entry, verdict } of judged) {
    let since: Since;
    if (verdict.state === 'frozen' && lookups < MAX_SINCE_LOOKUPS) {
      const found = await cache.get(entry, () => sinceOf(reader, entry));
      since = found.value;
      if (found.computed) lookups++;
    }
    reasons.push(reasonJson(entry, verdict, since, nowMs));
  }
  const at = new Date(nowMs).toISOString();
  if (state === 'unknown') {
    const unknown = judged.filter((j) => j.verdict.state === 'unknown').length;
    return {
      status: 503,
      json: {
        allow: false,
        state,
        at,
        error: `burnwatch cannot tell whether the error budget allows a deploy: ${unknown} of ${judged.length} selected SLO instances have no current figures`,
        hint: `the reasons say why for each; retry after the next evaluation (every ${Math.round(reader.intervalMs / 1000)} s); GET /readyz and the daemon's log say more`,
        reasons,
      },
    };
  }
  return { status: 200, json: { allow: state === 'allowed', state, at, reasons } };
}

export function gateRoutes(reader: GateReader): Route[] {
  const cache = new SinceCache();
  return [route('/api/v1/gate', { GET: ({ query }) => answerGate(reader, query, cache) })];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
