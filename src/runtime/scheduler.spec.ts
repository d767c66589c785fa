import { describe, expect, it } from 'vitest';
import { SlotScheduler } from './scheduler.js';
import { ManualTimers } from '../../test/support/manual-timers.js';

const T0 = Date.parse('2026-11-24T10:00:07Z');

describe('runtime/scheduler', () => {
  it('evaluates aligned slots, passing the slot (not the wall time) to the cycle', async () => {
    const timers = new ManualTimers(T0);
    const slots: string[] = [];
    const s = new SlotScheduler({ intervalMs: 30_000, delayMs: 2_000 }, timers, (slot) => { slots.push(new Date(slot).toISOString()); return Promise.resolve(); });
    s.start();
    await timers.advanceTo(T0 + 95_000);
    expect(slots).toEqual(['2026-11-24T10:00:30.000Z', '2026-11-24T10:01:00.000Z', '2026-11-24T10:01:30.000Z']);
    await s.stop();
  });

  it('never runs two cycles at once and counts the slots an overrunning cycle skipped', async () => {
    const timers = new ManualTimers(T0);
    const slots: number[] = [];
    let missed = 0;
    let finish: (() => void) | undefined;
    const s = new SlotScheduler({ intervalMs: 10_000, delayMs: 0 }, timers, (slot) => {
      slots.push(slot);
      return slots.length === 1 ? new Promise<void>((r) => { finish = r; }) : Promise.resolve();
    }, (n) => { missed += n; });
    s.start();
    await timers.advanceTo(T0 + 40_000); // the first cycle (10:00:10) is still running through 10:00:40
    expect(slots).toHaveLength(1);
    finish?.();
    await timers.advanceTo(T0 + 50_000);
    expect(slots.map((x) => new Date(x).toISOString())).toEqual(['2026-11-24T10:00:10.000Z', '2026-11-24T10:00:50.000Z']);
    expect(missed).toBe(3); // 10:00:20, :30, :40
    await s.stop();
  });
});
