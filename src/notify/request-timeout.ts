import { z } from 'zod';

/**
 * `timeoutMs` of a destination: the time limit of one request in milliseconds, 100 ms to 5 minutes, 10 s by
 * default. `description` says what one request is for that destination (an event, an API call, ...).
 */
export function requestTimeoutMs(description: string) {
  return z
    .number({ error: 'must be a number of milliseconds\nwrite e.g. 10000' })
    .int({ error: 'must be a whole number of milliseconds\nwrite e.g. 10000' })
    .min(100, { error: 'is too short\nwrite at least 100 (ms); 10000 is the default' })
    .max(300_000, { error: 'is too long\nwrite at most 300000 (5 minutes); 10000 is the default' })
    .default(10_000)
    .meta({ description });
}
