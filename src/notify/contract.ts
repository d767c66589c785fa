import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertNotification, Notifier, SendOutcome } from './notifier.js';
import type { Logger } from '../logger.js';
import type { LogLine } from '../../test/support/logger.js';
import { recordingLogger } from '../../test/support/logger.js';

/**
 * The contract every destination's notifier keeps, as a vitest suite a destination's `index.spec.ts` calls:
 *
 * ```ts
 * describeNotifierContract('slack', {
 *   secrets: [TOKEN],
 *   async start(logger) { ...emulator...; return { notifier, server: { answerNext, requestCount }, close } },
 *   unreachable(logger) { return notifier pointed at a closed port },
 * });
 * ```
 *
 * It pins: one HTTP request per send whatever the answer (the outbox is the only retry owner); HTTP status
 * -> classified outcome (2xx ok; 400/401/403/404 permanent; 429 retryable with `retryAfterMs` from
 * Retry-After; 5xx retryable); a network error is retryable; `send` resolves, never rejects; no configured
 * secret appears in any error (message, `String(error)`, stack, causes) or in any log line.
 *
 * Test-only: excluded from the build (tsconfig.build.json).
 */

/** What a destination's emulator must let the contract script. */
export interface ContractServer {
  /**
   * The next request gets this HTTP status with the body the real API sends with it (JSON where the API
   * answers JSON) and, when given, `Retry-After: <retryAfterSeconds>`. `'success'` = the normal answer.
   */
  answerNext(answer: number | 'success', retryAfterSeconds?: number): void;
  /** Requests the server has received so far. */
  requestCount(): number;
}

export interface ContractTarget {
  readonly notifier: Notifier;
  readonly server: ContractServer;
  close(): Promise<void>;
}

export interface NotifierContractSetup {
  /** The secrets the notifier is configured with (token, routing key): none may ever show up. */
  readonly secrets: readonly string[];
  /** Starts the destination's emulator and a notifier pointed at it that logs to `logger`. */
  start(logger: CapturingLogger): Promise<ContractTarget>;
  /** A notifier pointed at an address where nothing listens (connection refused), logging to `logger`. */
  unreachable(logger: CapturingLogger): Notifier | Promise<Notifier>;
}

export interface CapturingLogger extends Logger {
  readonly lines: LogLine[];
}

/** A logger for `NotifierDeps` that keeps every call, for assertions. */
export function capturingLogger(): CapturingLogger {
  const { logger, lines } = recordingLogger();
  return { ...logger, lines };
}

/** Everything a secret could leak through in an outcome's error: message, String(), stack, causes, own fields. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) {
      parts.push(String(current));
      parts.push(current.message, current.stack ?? '');
      try {
        parts.push(JSON.stringify(current, Object.getOwnPropertyNames(current)));
      } catch {
        // circular: the parts above are enough
      }
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current) ?? '');
      current = undefined;
    }
  }
  return parts.join('\n');
}

/** A firing notification with every field set, for contract and render tests. */
export function contractNotification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    id: 'ntf-0001',
    alertKey: 'checkout-availability/route="/cart"/burn/page',
    status: 'firing',
    kind: 'burn',
    severity: 'page',
    slo: {
      id: 'checkout-availability',
      name: 'availability',
      service: 'checkout',
      displayName: 'Checkout availability',
      description: 'Share of checkout requests answered without a 5xx.',
      objective: 99.9,
      period: '30d',
    },
    instance: { route: '/cart' },
    labels: { alertname: 'CheckoutAvailability', slo: 'checkout-availability', service: 'checkout', severity: 'page', team: 'payments', route: '/cart' },
    annotations: { summary: 'Checkout is failing requests' },
    tiers: [
      { name: 'page-1h-5m', longWindow: '1h', shortWindow: '5m', longBurnRate: 14.9, shortBurnRate: 16.2, threshold: 14.4, active: true },
      { name: 'page-6h-30m', longWindow: '6h', shortWindow: '30m', longBurnRate: 5.1, shortBurnRate: 4.8, threshold: 6, active: false },
    ],
    budget: { remaining: 0.625, timeToExhaustionMs: (2 * 24 + 4) * 3_600_000 },
    startsAt: new Date('2026-01-01T12:01:00Z'),
    links: {
      runbook: 'https://runbooks.example.com/checkout/availability',
      runbookPath: 'runbooks/checkout/availability.md',
      sliQuery: 'http://prometheus.example.com:9090/graph?g0.expr=slo%3Asli_error%3Aratio_rate1h&g0.tab=0',
    },
    createdAt: new Date('2026-01-01T12:05:00Z'),
    ...overrides,
  };
}

/** The answers the Slack and PagerDuty emulators script alike (test/support/*-emulator.ts). */
export type EmulatorAnswer =
  | { readonly kind: 'pass' }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds?: number }
  | { readonly kind: 'http'; readonly status: number };

/** The contract's view of an emulator: scripts its next answer, counts the requests it got. */
export function emulatorServer(emulator: { failNext(answer: EmulatorAnswer): void; readonly requests: readonly unknown[] }): ContractServer {
  return {
    answerNext(answer, retryAfterSeconds) {
      if (answer === 'success') emulator.failNext({ kind: 'pass' });
      else if (answer === 429) emulator.failNext(retryAfterSeconds === undefined ? { kind: 'rate-limited' } : { kind: 'rate-limited', retryAfterSeconds });
      else emulator.failNext({ kind: 'http', status: answer });
    },
    requestCount: () => emulator.requests.length,
  };
}

/** The `SendContext` of a test send: a signal that does not fire unless given, and the previous reference. */
export function sendContext(previousRef?: string, signal = new AbortController().signal): { signal: AbortSignal; previousRef?: string } {
  return previousRef === undefined ? { signal } : { signal, previousRef };
}

/** `n` resolved at 13:06, after 65 minutes of firing that spent 2.1 % of the budget. */
export function resolvedNotification(n: AlertNotification): AlertNotification {
  return {
    ...n,
    status: 'resolved',
    endsAt: new Date('2026-01-01T13:06:00Z'),
    resolution: { firedForMs: 65 * 60_000, budgetSpent: 0.021 },
    createdAt: new Date('2026-01-01T13:06:00Z'),
  };
}

/** The failed outcome of a send; throws (failing the test) when the send succeeded. */
export function failed(outcome: SendOutcome): Extract<SendOutcome, { ok: false }> {
  if (outcome.ok) throw new Error(`expected a failed outcome, got ${JSON.stringify(outcome)}`);
  return outcome;
}

interface StatusRow {
  readonly answer: number | 'success';
  readonly ok: boolean;
  readonly retryable?: boolean;
  readonly reasons?: readonly string[];
  readonly retryAfterSeconds?: number;
}

/** Status -> expected class. 2xx ok; 4xx permanent; 429 and 5xx retryable. */
const STATUS_TABLE: readonly StatusRow[] = [
  { answer: 'success', ok: true },
  { answer: 400, ok: false, retryable: false, reasons: ['client-error'] },
  { answer: 401, ok: false, retryable: false, reasons: ['auth-error', 'client-error'] },
  { answer: 403, ok: false, retryable: false, reasons: ['auth-error', 'client-error'] },
  { answer: 404, ok: false, retryable: false, reasons: ['client-error'] },
  { answer: 429, ok: false, retryable: true, reasons: ['rate-limited'], retryAfterSeconds: 7 },
  { answer: 500, ok: false, retryable: true, reasons: ['server-error'] },
  { answer: 502, ok: false, retryable: true, reasons: ['server-error'] },
  { answer: 503, ok: false, retryable: true, reasons: ['server-error'] },
  { answer: 504, ok: false, retryable: true, reasons: ['server-error'] },
];

function context(): { signal: AbortSignal } {
  return { signal: new AbortController().signal };
}

function leaks(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => text.includes(s));
}

/** Registers the contract suite for one destination. */
export function describeNotifierContract(name: string, setup: NotifierContractSetup): void {
  describe(`${name} keeps the notifier contract`, () => {
    const logger = capturingLogger();
    const outcomes: SendOutcome[] = [];
    let target: ContractTarget | undefined;

    beforeAll(async () => {
      target = await setup.start(logger);
    });
    afterAll(async () => {
      await target?.close();
    });

    const send = async (answer: number | 'success', retryAfterSeconds?: number): Promise<{ outcome: SendOutcome; requests: number }> => {
      if (target === undefined) throw new Error('contract setup did not start');
      const before = target.server.requestCount();
      target.server.answerNext(answer, retryAfterSeconds);
      const outcome = await target.notifier.send(contractNotification(), context());
      outcomes.push(outcome);
      return { outcome, requests: target.server.requestCount() - before };
    };

    it.each(STATUS_TABLE.map((row) => ({ ...row, label: row.ok ? 'delivered' : row.retryable === true ? 'retryable' : 'permanent' })))(
      'HTTP $answer -> $label, in exactly one request',
      async (row) => {
        const { outcome, requests } = await send(row.answer, row.retryAfterSeconds);
        expect(requests).toBe(1);
        expect(outcome.ok).toBe(row.ok);
        if (outcome.ok) return;
        expect(outcome.retryable).toBe(row.retryable);
        expect(row.reasons).toContain(outcome.reason);
        expect(outcome.error).toBeInstanceOf(Error);
        expect(outcome.error.message).toMatch(/\d{3}|rate|limit/i);
        if (row.retryAfterSeconds !== undefined) expect(outcome.retryAfterMs).toBe(row.retryAfterSeconds * 1000);
      },
    );

    it('a network error (connection refused) is retryable', async () => {
      const notifier = await setup.unreachable(logger);
      const outcome = await notifier.send(contractNotification(), context());
      outcomes.push(outcome);
      expect(outcome).toMatchObject({ ok: false, retryable: true, reason: 'network' });
    });

    it('no secret appears in any error or log line', async () => {
      // Send every kind of answer again so this test stands on its own when run alone.
      for (const row of STATUS_TABLE) await send(row.answer, row.retryAfterSeconds);
      const notifier = await setup.unreachable(logger);
      outcomes.push(await notifier.send(contractNotification(), context()));

      const failures = outcomes.filter((o): o is Extract<SendOutcome, { ok: false }> => !o.ok);
      expect(failures.length).toBeGreaterThanOrEqual(STATUS_TABLE.length);
      for (const failure of failures) expect(leaks(errorText(failure.error), setup.secrets)).toEqual([]);
      for (const line of logger.lines) expect(leaks(`${line.message} ${JSON.stringify(line.fields)}`, setup.secrets)).toEqual([]);
      expect(setup.secrets.length).toBeGreaterThan(0);
    });
  });
}
