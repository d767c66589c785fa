import type { Deadline } from '../../src/http/deadline.js';

/** Deadlines that fire only when the test says so (`fire`), for time limits without waiting for the clock. */
export class ManualDeadlines {
  private readonly pending: { readonly ms: number; readonly controller: AbortController }[] = [];

  readonly deadline: Deadline = (ms) => {
    const controller = new AbortController();
    this.pending.push({ ms, controller });
    return controller.signal;
  };

  /** The limits (ms) of the deadlines made and not fired yet. */
  get waiting(): number[] {
    return this.pending.map((p) => p.ms);
  }

  /** Fires every deadline made so far, with a TimeoutError as AbortSignal.timeout does. */
  fire(): void {
    for (const { ms, controller } of this.pending.splice(0)) controller.abort(new DOMException(`signal timed out after ${ms} ms`, 'TimeoutError'));
  }
}

/** Resolves once `condition` holds, checking after each turn of the event loop (the test's time limit bounds it). */
export async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
