/**
 * Runs one cycle per aligned slot: at `slot + delay` for slots that are multiples of the interval (so every
 * replica and restart evaluates the same instants, and the slot is passed as the query time). Never two
 * cycles at once: a cycle that overruns skips the slots it overlapped, which are counted as missed.
 *
 * Why not node-cron: cron expressions only space sub-minute intervals evenly when they divide 60 s (a `*\/45`
 * second schedule fires at :00 and :45), and node-cron skips rather than queues overlapping runs without
 * telling the caller which slot was lost. A self-rescheduling timer aligned to ceil(now / interval) x
 * interval is exact for any interval that divides 5 minutes (what the ledger requires), reports missed slots
 * itself, and is driven by an injected clock in tests.
 */

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  readonly intervalMs: number;
  /** Wait after the slot boundary before evaluating it, so scrapes of the slot have landed (default 2 s). */
  readonly delayMs?: number;
}

export class SlotScheduler {
  private handle: unknown;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastSlot: number | undefined;

  constructor(
    private readonly options: SchedulerOptions,
    private readonly timers: Timers,
    private readonly cycle: (slotMs: number) => Promise<void>,
    private readonly onMissed: (slots: number) => void = () => undefined,
  ) {}

  get delayMs(): number {
    return this.options.delayMs ?? 2_000;
  }

  /** The slot whose evaluation time (slot + delay) is the first at or after `nowMs`. */
  nextSlot(nowMs: number): number {
    const i = this.options.intervalMs;
    return Math.ceil((nowMs - this.delayMs) / i) * i;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.timers.now();
    let slot = this.nextSlot(now);
    if (this.lastSlot !== undefined && slot <= this.lastSlot) slot = this.lastSlot + this.options.intervalMs;
    if (this.lastSlot !== undefined) {
      const missed = (slot - this.lastSlot) / this.options.intervalMs - 1;
      if (missed > 0) this.onMissed(missed);
    }
    const wait = Math.max(0, slot + this.delayMs - now);
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.lastSlot = slot;
      const run = this.cycle(slot).catch(() => undefined).finally(() => {
        this.running = undefined;
        this.arm();
      });
      this.running = run;
    }, wait);
  }

  /** Stops scheduling; resolves when the cycle in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    await this.running;
  }
}
