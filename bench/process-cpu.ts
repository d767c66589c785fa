import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) a process has used, from /proc/<pid>/stat fields 14 and 15 (utime, stime) in
 * clock ticks, converted with `getconf CLK_TCK`. Linux only; resolution one tick (10 ms at 100 Hz), so
 * measure over several cycles and divide.
 */

let ticksPerSecond: number | undefined;

export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK printed "${text}", not a positive whole number`);
    ticksPerSecond = n;
  }
  return ticksPerSecond;
}

export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`/proc/${pid}/stat: cannot read utime/stime from "${stat.slice(0, 200)}"`);
  return (utime + stime) / clockTicks();
}

/** This process's CPU seconds (user + system), from `process.cpuUsage()` (microseconds). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
