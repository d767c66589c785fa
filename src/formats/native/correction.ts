import { parseMatchers } from '../../routing/matchers.js';
import { HOUR, parseDuration } from '../../slo/duration.js';
import type { CorrectionTarget, LoadedCorrection } from '../loaded.js';
import type { LocatedDocument, LocatedProblem } from '../located.js';
import { SLO_NAME_RE } from '../common-schema.js';
import { issuesToErrors } from '../zod-errors.js';
import { NativeBudgetCorrection } from './schema.js';

/** The shortest repeat interval of a recurring correction: a year's period then holds at most 8,784 occurrences. */
export const MIN_CORRECTION_EVERY_MS = HOUR;

/** Whether an entry of `slos` is written as label matchers (an operator) rather than an SLO id. */
function isMatcherText(entry: string): boolean {
  return /[=~!{}]/.test(entry);
}

/**
 * Reads one `kind: BudgetCorrection` object, or returns every located problem it has. Which SLOs it applies to
 * is settled once every SLO is read (`formats/corrections.ts`).
 */
export function readCorrection(doc: LocatedDocument): { corrections: LoadedCorrection[]; errors: LocatedProblem[] } {
  const parsed = NativeBudgetCorrection.safeParse(doc.value(), { reportInput: true });
  if (!parsed.success) return { corrections: [], errors: issuesToErrors(parsed.error.issues, doc, NativeBudgetCorrection) };
  const { metadata, spec } = parsed.data;
  const errors: LocatedProblem[] = [];
  const startMs = Date.parse(spec.start);
  const endMs = spec.end === undefined ? startMs + (parseDuration(spec.duration ?? '') ?? 0) : Date.parse(spec.end);
  const durationMs = endMs - startMs;
  if (spec.end !== undefined && durationMs <= 0) {
    errors.push({ ...doc.locate(['spec', 'end']), message: `the end (${spec.end}) is not after the start (${spec.start})`, hint: 'give an end after the start, or a duration such as 20m' });
  }
  const everyMs = spec.every === undefined ? undefined : parseDuration(spec.every);
  if (everyMs !== undefined) {
    const at = doc.locate(['spec', 'every']);
    if (everyMs < MIN_CORRECTION_EVERY_MS) errors.push({ ...at, message: `a correction may recur at most once an hour (every: ${spec.every})`, hint: 'write every: 1h or longer, e.g. 1d or 1w' });
    else if (durationMs > everyMs) errors.push({ ...at, message: `each occurrence (${durationMs / 60_000} minutes) is longer than the repeat interval (every: ${spec.every}): occurrences would overlap`, hint: 'shorten the correction, or repeat it less often' });
  }
  const targets: CorrectionTarget[] = [];
  spec.slos.forEach((entry, i) => {
    const at = doc.locate(['spec', 'slos', i]);
    if (isMatcherText(entry)) {
      const parsedMatchers = parseMatchers(entry);
      if (parsedMatchers.ok) targets.push({ kind: 'matchers', text: entry, matchers: parsedMatchers.value, at });
      else errors.push({ ...at, message: parsedMatchers.message, hint: parsedMatchers.hint });
    } else if (SLO_NAME_RE.test(entry.trim())) {
      targets.push({ kind: 'id', id: entry.trim(), at });
    } else {
      errors.push({ ...at, message: `"${entry}" is neither an SLO id nor label matchers`, hint: 'write an SLO id such as checkout-availability, or matchers in quotes such as \'service="checkout"\'' });
    }
  });
  if (errors.length > 0) return { corrections: [], errors };
  const at = doc.locate(['metadata', 'name']);
  return {
    corrections: [{
      correction: {
        name: metadata.name,
        startMs,
        durationMs,
        ...(everyMs === undefined ? {} : { everyMs }),
        reason: spec.reason,
        source: { file: doc.file, line: at.line },
      },
      targets,
      at,
    }],
    errors: [],
  };
}
