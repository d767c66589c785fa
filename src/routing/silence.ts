import type { Labels } from './labels.js';
import type { Matcher } from './matchers.js';
import { matchesAll, matchesValue, parseMatchers } from './matchers.js';

/**
 * Silences: matchers plus a time range `[startsAt, endsAt)`. An alert is silenced at `at` when an active
 * silence's matchers all hold for its labels (a missing label counts as the empty string).
 *
 * Alertmanager (silence/silence.go@v0.25.0) counts the end instant itself as active (`at` after `endsAt`
 * is expired); we use a half-open range, so a silence ending at 10:00 no longer mutes an evaluation at
 * exactly 10:00. Validation follows Alertmanager's: at least one matcher, valid regexes, at least one
 * matcher that does not match the empty string (else the silence would mute every alert), and a range
 * that is not empty (Alertmanager accepts start == end; such a silence would never be active).
 *
 * Pure: `at` is an argument.
 */

export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy?: string;
  readonly comment?: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(silence: Pick<Silence, 'startsAt' | 'endsAt'>, at: Date): SilenceState {
  const t = at.getTime();
  if (t < silence.startsAt.getTime()) return 'pending';
  if (t >= silence.endsAt.getTime()) return 'expired';
  return 'active';
}

/** The silences active at `at` that mute an alert with these labels. */
export function silencesFor(labels: Labels, silences: readonly Silence[], at: Date): Silence[] {
  return silences.filter((s) => silenceState(s, at) === 'active' && matchesAll(s.matchers, labels));
}

export function isSilenced(labels: Labels, silences: readonly Silence[], at: Date): boolean {
  return silences.some((s) => silenceState(s, at) === 'active' && matchesAll(s.matchers, labels));
}

/** A silence as a user writes it: matcher strings (`slo="checkout"`, `env=~"dev|test"`) and a range. */
export interface SilenceDraft {
  readonly matchers: readonly string[];
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** A problem with a silence: the field (`matchers[1]`, `endsAt`), what is wrong and what to do. */
export interface SilenceProblem {
  readonly field: string;
  readonly message: string;
  readonly hint: string;
}

export type SilenceValidation =
  | { readonly ok: true; readonly matchers: readonly Matcher[] }
  | { readonly ok: false; readonly problems: readonly SilenceProblem[] };

/** Whether a matcher holds for an alert that lacks the label (Alertmanager: only `=` and `=~` count). */
function matchesEmpty(m: Matcher): boolean {
  return (m.type === '=' || m.type === '=~') && matchesValue(m, '');
}

/** Checks a draft and parses its matchers; every problem is reported, each with the field it concerns. */
export function validateSilence(draft: SilenceDraft): SilenceValidation {
  const problems: SilenceProblem[] = [];
  const matchers: Matcher[] = [];
  if (draft.matchers.length === 0) {
    problems.push({ field: 'matchers', message: 'a silence needs at least one matcher', hint: 'add a matcher that picks the alerts to mute, e.g. slo="checkout-availability"' });
  }
  draft.matchers.forEach((text, i) => {
    const parsed = parseMatchers(text);
    if (parsed.ok) matchers.push(...parsed.value);
    else problems.push({ field: `matchers[${i}]`, message: parsed.message, hint: parsed.hint });
  });
  if (matchers.length > 0 && matchers.length === draft.matchers.length && matchers.every(matchesEmpty)) {
    problems.push({
      field: 'matchers',
      message: 'every matcher also matches alerts without the label, so the silence would mute every alert',
      hint: 'add a matcher that needs a value, e.g. slo="checkout-availability" or slo=~"api-.+"',
    });
  }
  const start = draft.startsAt.getTime();
  const end = draft.endsAt.getTime();
  if (Number.isNaN(start)) problems.push({ field: 'startsAt', message: 'startsAt is not a valid time', hint: 'give an RFC 3339 time such as 2026-01-01T09:00:00Z' });
  if (Number.isNaN(end)) problems.push({ field: 'endsAt', message: 'endsAt is not a valid time', hint: 'give an RFC 3339 time such as 2026-01-01T11:00:00Z' });
  if (!Number.isNaN(start) && !Number.isNaN(end) && end <= start) {
    problems.push({
      field: 'endsAt',
      message: `endsAt (${draft.endsAt.toISOString()}) must be after startsAt (${draft.startsAt.toISOString()})`,
      hint: 'set endsAt later than startsAt, e.g. two hours later',
    });
  }
  return problems.length === 0 ? { ok: true, matchers } : { ok: false, problems };
}
