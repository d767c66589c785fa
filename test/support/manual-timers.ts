import type { Timers } from '../../src/runtime/scheduler.js';

/** Timers on a hand-stepped clock. */
export class ManualTimers implements Timers {
  t: number;
  private queue: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  constructor(start: number) { this.t = start; }
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown { const id = ++this.ids; this.queue.push({ at: this.t + ms, fn, id }); return id; }
  clearTimeout(h: unknown): void { this.queue = this.queue.filter((q) => q.id !== h); }
  async advanceTo(t: number): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > t) break;
      this.queue.shift();
      this.t = next.at;
      next.fn();
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    }
    this.t = t;
  }
}

