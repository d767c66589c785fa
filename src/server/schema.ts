import { z } from 'zod';
import { Duration } from '../formats/common-schema.js';

/**
 * Request bodies of the JSON API. Messages follow the project's convention: the first line says what is
 * wrong, the second what to write instead (split into `message` and `hint` in the 400 answer).
 */

const Time = z.iso.datetime({ offset: true, error: (issue) => `${JSON.stringify(issue.input)} is not an RFC 3339 time\nwrite e.g. "2026-01-01T09:00:00Z"` });

/** `POST /api/v1/silences`. Without endsAt or duration a silence lasts 2 hours (as `burnwatch silence add`). */
export const SilenceRequest = z.strictObject({
  matchers: z.array(z.string({ error: 'each matcher must be a string\nwrite e.g. "slo=\\"checkout-availability\\""' }), {
    error: (issue) => (issue.input === undefined ? 'is required\nlist the matchers of the alerts to mute, e.g. ["slo=\\"checkout-availability\\""]' : 'must be a list of matcher strings\nwrite e.g. ["slo=\\"checkout-availability\\"", "severity=\\"page\\""]'),
  }),
  startsAt: Time.optional(),
  endsAt: Time.optional(),
  duration: Duration.optional(),
  comment: z.string({ error: 'is required\nsay why the alerts are muted, e.g. "deploying the new checkout"' })
    .trim()
    .min(1, { error: 'is empty\nsay why the alerts are muted, e.g. "deploying the new checkout"' }),
  createdBy: z.string({ error: 'must be a string\ngive your name, e.g. "alice"' }).trim().min(1, { error: 'is empty\ngive your name or leave createdBy out' }).optional(),
}, { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}\nthe fields are matchers, startsAt, endsAt, duration, comment and createdBy` : 'the body must be a JSON object\nsend e.g. {"matchers": ["slo=\\"checkout\\""], "duration": "2h", "comment": "deploy"}') });
export type SilenceRequest = z.infer<typeof SilenceRequest>;
