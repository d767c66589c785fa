/**
 * A time limit as a signal: `deadline(ms)` fires `ms` after it is made, with a `TimeoutError` as its reason
 * (as `AbortSignal.timeout` does). Clients take one in their options, so that a test fires it by hand instead
 * of waiting for the clock.
 */
export type Deadline = (ms: number) => AbortSignal;

/** The real one. Its timer does not keep Node alive, and nothing has to clear it. */
export const clockDeadline: Deadline = (ms) => AbortSignal.timeout(ms);
