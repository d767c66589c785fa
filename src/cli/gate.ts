import { z } from 'zod';
import { redactUrl } from '../redact-url.js';
import { parseDuration } from '../slo/duration.js';
import type { GateReason } from '../slo/gate.js';
import { parseBudgetShare, reasonText } from '../slo/gate.js';
import { defineAsyncCommand } from './command.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';

/**
 * `burnwatch gate`: asks a running burnwatch (GET /api/v1/gate) whether the error budget allows a deploy, for a
 * CI/CD pipeline. Exit 0: deploy; 1: frozen (the reasons say which SLO, the budget left and since when); 2:
 * cannot tell (burnwatch unreachable or too slow, an unknown SLO, a bad answer, a usage error). 0 only for an
 * answer that says "allowed" in every part. The endpoint is read-only and open: no token.
 */

export const GATE_USAGE = `Usage: burnwatch gate --url URL (--slo ID | --service NAME | --matcher 'name="value"')... [--min-budget 25%]

Asks a running burnwatch whether the error budget allows a deploy. Exit 0: deploy; 1: frozen (prints which
SLO, the budget left and since when); 2: cannot tell (burnwatch unreachable or too slow, an unknown SLO, an
SLO not evaluated yet, a bad answer, a usage error).

  --url URL          burnwatch's HTTP address, e.g. http://burnwatch:9099 (default BURNWATCH_URL)
  --slo ID           an SLO by id; repeatable (any of them)
  --service NAME     every SLO of a service; repeatable (any of them)
  --matcher M        SLO instances whose labels match name="value" or name!="value" (labels: the SLO's, its
                     routing and instance labels, slo, service); repeatable (all must hold)
  --min-budget 25%   freeze below this share of the error budget (or 0.25); default: each SLO's
                     policy.freezeBelow, else freeze only when the budget is exhausted
  --timeout 10s      time limit of the whole request
  --format text|json json: the answer of GET /api/v1/gate as it is`;

const DEFAULT_TIMEOUT = '10s';
/** An answer larger than this is not read (a gate answer for 1,000 instances is about 500 KiB). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

const State = z.enum(['allowed', 'frozen', 'unknown']);
/** The answer of GET /api/v1/gate: the fields read here (others are ignored). */
const GateAnswer = z.object({
  allow: z.boolean(),
  state: State,
  error: z.string().optional(),
  hint: z.string().optional(),
  reasons: z.array(z.object({
    slo: z.string(),
    labels: z.record(z.string(), z.string()),
    state: State,
    budgetRemaining: z.number().nullable(),
    threshold: z.number(),
    thresholdFrom: z.enum(['request', 'policy', 'default']),
    since: z.string().nullable().optional(),
    sinceAtLeast: z.boolean().optional(),
    why: z.string().optional(),
  })),
});
type GateAnswer = z.infer<typeof GateAnswer>;

/** A reason the command cannot tell: printed, exit 2. */
class CannotTell extends Error {
  override readonly name = 'CannotTell';
  constructor(message: string, readonly hint?: string, readonly reasons: readonly GateReason[] = []) {
    super(message);
  }
}

interface GateRequest {
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly shown: string;
  readonly timeoutMs: number;
  readonly timeoutText: string;
}

export const gateCommand = defineAsyncCommand({
  name: 'gate',
  usage: GATE_USAGE,
  options: {
    url: { type: 'string' },
    slo: { type: 'string', multiple: true },
    service: { type: 'string', multiple: true },
    matcher: { type: 'string', multiple: true, short: 'm' },
    'min-budget': { type: 'string' },
    timeout: { type: 'string', default: DEFAULT_TIMEOUT },
    format: { type: 'string', default: 'text' },
  },
  failure: (err, io) => {
    if (!(err instanceof CannotTell)) return undefined;
    const now = io.now().getTime();
    io.err(`burnwatch gate: cannot tell: ${err.message}\n${err.hint === undefined ? '' : `  hint: ${err.hint}\n`}${err.reasons.map((r) => `  ${reasonText(r, now)}\n`).join('')}`);
    return EXIT_USAGE;
  },
}, async ({ values }, io) => {
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
  const request = gateRequest(values, io.env);
  const { status, text } = await fetchAnswer(request);
  // JSON: burnwatch's answer as it is, also when it cannot tell (the exit status says which it was).
  if (format === 'json' && isJson(text)) io.out(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  const answer = readAnswer(status, text, request.shown);
  if (format === 'json') return answer.allow ? EXIT_OK : EXIT_INVALID;
  const now = io.now().getTime();
  const lines = answer.reasons.map((r) => `  ${reasonText(r, now)}\n`).join('');
  if (answer.allow) {
    const n = answer.reasons.length;
    io.out(`deploy allowed: ${n} SLO instance${n === 1 ? ' has' : 's have'} enough error budget\n${lines}`);
    return EXIT_OK;
  }
  const frozen = answer.reasons.filter((r) => r.state === 'frozen').length;
  io.out(`deploy frozen: ${frozen} of ${answer.reasons.length} SLO instance${answer.reasons.length === 1 ? '' : 's'} ${frozen === 1 ? 'is' : 'are'} below ${frozen === 1 ? 'its' : 'their'} error-budget threshold\n${lines}`);
  return EXIT_INVALID;
});

/** The request the flags describe; a usage error for anything missing or malformed. */
function gateRequest(values: { url?: string | undefined; slo?: string[] | undefined; service?: string[] | undefined; matcher?: string[] | undefined; 'min-budget'?: string | undefined; timeout: string }, env: CliIo['env']): GateRequest {
  const text = values.url ?? env['BURNWATCH_URL'];
  if (text === undefined || text === '') throw new UsageError('--url is required (or BURNWATCH_URL): burnwatch\'s address, e.g. http://burnwatch:9099');
  let url: URL;
  try {
    url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as http://burnwatch:9099, not "${redactUrl(text)}"`);
  }
  const headers: Record<string, string> = { Accept: 'application/json' };
  // fetch refuses a URL with credentials: they travel as basic auth (e.g. through an authenticating proxy).
  if (url.username !== '' || url.password !== '') {
    headers['Authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const shown = redactUrl(url.toString());
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/gate`;
  url.search = '';
  url.hash = '';
  const selectors = [...(values.slo ?? []).map((v) => ['slo', v]), ...(values.service ?? []).map((v) => ['service', v]), ...(values.matcher ?? []).map((v) => ['matcher', v])];
  if (selectors.length === 0) throw new UsageError('name the SLOs to check with --slo, --service or --matcher');
  for (const [name, value] of selectors) url.searchParams.append(name ?? '', value ?? '');
  const minBudget = values['min-budget'];
  if (minBudget !== undefined) {
    const share = parseBudgetShare(minBudget);
    if (!share.ok) throw new UsageError(`--min-budget: ${share.message} (${share.hint})`);
    url.searchParams.append('minBudget', minBudget.trim());
  }
  const timeoutMs = parseDuration(values.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--timeout must be a duration such as 10s, not "${values.timeout}"`);
  return { url, headers, shown, timeoutMs, timeoutText: values.timeout };
}

/** GET the answer within the time limit, reading at most MAX_ANSWER_BYTES. */
async function fetchAnswer(request: GateRequest): Promise<{ status: number; text: string }> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const res = await fetch(request.url, { headers: request.headers, signal, redirect: 'follow' });
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    for (;;) {
      const next = await reader?.read();
      if (next === undefined || next.done) break;
      const chunk = next.value as Uint8Array;
      size += chunk.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        await reader?.cancel().catch(() => undefined);
        throw new CannotTell(`the answer of ${request.shown} is larger than 8 MiB: not a burnwatch gate answer`, 'check --url: it must be burnwatch\'s own address');
      }
      chunks.push(chunk);
    }
    return { status: res.status, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (err instanceof CannotTell) throw err;
    if (signal.aborted) throw new CannotTell(`no answer within ${request.timeoutText} from burnwatch at ${request.shown}`, 'check that burnwatch runs and is reachable from here; raise --timeout if it is slow');
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CannotTell(`cannot reach burnwatch at ${request.shown}: ${detail}`, 'check --url and that burnwatch runs (GET /healthz)');
  }
}

/** The answer if it is a consistent gate answer with status 200; else why burnwatch's answer is not one. */
function readAnswer(status: number, text: string, shown: string): GateAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = GateAnswer.safeParse(body);
  if (status !== 200) {
    const error = (body as { error?: unknown } | undefined)?.error;
    const hint = (body as { hint?: unknown } | undefined)?.hint;
    if (typeof error !== 'string') throw new CannotTell(`burnwatch at ${shown} answered HTTP ${status}: ${text.slice(0, 200).trim() || '(no body)'}`, 'check --url: it must be burnwatch\'s own address');
    throw new CannotTell(`${error} (HTTP ${status})`, typeof hint === 'string' ? hint : undefined, parsed.success ? parsed.data.reasons.filter((r) => r.state === 'unknown') : []);
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` (${issue.path.join('.') || 'body'}: ${issue.message})`;
    throw new CannotTell(`the answer of ${shown} is not a burnwatch gate answer${where}`, 'check --url: it must be burnwatch\'s own address');
  }
  const answer = parsed.data;
  const states = answer.reasons.map((r) => r.state);
  const consistent = answer.allow
    ? answer.state === 'allowed' && states.length > 0 && states.every((s) => s === 'allowed')
    : answer.state === 'frozen' && states.includes('frozen');
  if (!consistent) throw new CannotTell(`the answer of ${shown} contradicts itself (allow: ${answer.allow}, state: ${answer.state}, reasons: ${states.join(', ') || 'none'})`, 'check --url: it must be burnwatch\'s own address');
  return answer;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
