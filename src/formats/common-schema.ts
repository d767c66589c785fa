import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../slo/duration.js';

/**
 * Schema pieces shared by the SLO file formats. Error messages follow one convention: the first line says
 * what is wrong, an optional second line says what to write instead (split into `message` and `hint`).
 */

/** Same grammar as `parseDuration`, for the JSON Schema (editors check durations as you type). */
const DURATION_PATTERN = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

export const Duration = z
  .string({ error: `must be a duration in quotes or plain text, e.g. 5m\n${DURATION_HINT}` })
  .regex(DURATION_PATTERN, { error: (issue) => `"${String(issue.input)}" is not a duration\n${DURATION_HINT}`, abort: true })
  .refine((s) => {
    const ms = parseDuration(s);
    return ms !== undefined && ms > 0;
  }, { error: (issue) => `"${String(issue.input)}" is not a duration\n${DURATION_HINT}` })
  .meta({ description: 'Prometheus duration: 30s, 5m, 1h, 1h30m, 7d, 4w.', examples: ['5m', '1h', '30d'] });

export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const SLO_NAME_RE = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const LabelName = z
  .string()
  .regex(LABEL_NAME_RE, { error: (issue) => `"${String(issue.input)}" is not a valid Prometheus label name\nuse letters, digits and underscores, not starting with a digit (e.g. team, slo_tier)` })
  .refine((s) => !s.startsWith('__'), { error: 'label names starting with __ are reserved by Prometheus\nrename the label' });

export const LabelValue = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : `label values must be strings\nquote the value, e.g. ${JSON.stringify(JSON.stringify(issue.input))}`) })
  .min(1, { error: 'label value is empty\ngive a value or remove the label' });

export const Labels = z
  .record(LabelName, LabelValue)
  .meta({ description: 'Prometheus labels: names match [a-zA-Z_][a-zA-Z0-9_]*, values are non-empty strings.' });

export const Annotations = z
  .record(z.string().min(1), z.string({ error: 'annotation values must be strings\nquote the value' }))
  .meta({ description: 'Free-form annotations copied onto notifications.' });

export const SloName = z
  .string({ error: 'must be a name such as checkout-availability' })
  .regex(SLO_NAME_RE, { error: (issue) => `"${String(issue.input)}" is not a valid name\nuse letters, digits, "-", "_" and ".", starting and ending with a letter or digit` })
  .max(128, { error: 'names are limited to 128 characters' });
