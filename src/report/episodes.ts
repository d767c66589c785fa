import type { Severity } from '../slo/model.js';
import type { BurnTransition, Episode } from './model.js';

/**
 * Firing episodes of a burn-rate alert from its transitions, cut to a range. An episode begins when the alert
 * goes to `firing` and ends when it leaves the firing episode (to `inactive` on resolve). Missing data in
 * between (`nodata`) does not end it: the alert state machine keeps the episode and resolves it only once the
 * burn has stopped. Pure.
 */
export function episodesOf(transitions: readonly BurnTransition[], severity: Severity, fromMs: number, toMs: number): Episode[] {
  const raw: { startMs: number; endMs?: number }[] = [];
  let open: { startMs: number } | undefined;
  for (const t of [...transitions].filter((x) => x.severity === severity).sort((a, b) => a.atMs - b.atMs)) {
    if (t.atMs > toMs) break;
    if (t.to === 'firing') {
      open ??= { startMs: t.atMs };
    } else if (t.to !== 'nodata' && open) {
      raw.push({ startMs: open.startMs, endMs: t.atMs });
      open = undefined;
    }
  }
  if (open) raw.push({ startMs: open.startMs });
  const out: Episode[] = [];
  for (const e of raw) {
    if (e.endMs !== undefined && e.endMs <= fromMs) continue;
    if (e.startMs >= toMs) continue;
    const resolved = e.endMs !== undefined && e.endMs <= toMs;
    out.push({
      severity,
      startMs: Math.max(e.startMs, fromMs),
      endMs: resolved ? (e.endMs ?? toMs) : toMs,
      startedBefore: e.startMs < fromMs,
      resolved,
    });
  }
  return out;
}

/**
 * Tickets that were sent: a ticket that fired only while a page of the same instance fired was never
 * notified (the page inhibits the ticket), so it is no ticket anybody got.
 */
export function notInhibited(tickets: readonly Episode[], pages: readonly Episode[]): Episode[] {
  return tickets.filter((t) => !pages.some((p) => p.startMs <= t.startMs && p.endMs >= t.endMs && (p.resolved || !t.resolved)));
}

/** Mean time from firing to resolve over the episodes that both began and resolved within the range. */
export function meanTimeToResolve(episodes: readonly Episode[]): number | null {
  const complete = episodes.filter((e) => e.resolved && !e.startedBefore);
  if (complete.length === 0) return null;
  return complete.reduce((sum, e) => sum + (e.endMs - e.startMs), 0) / complete.length;
}

/** The `n` longest episodes, longest first (earlier first among equals). */
export function longestEpisodes<E extends Episode>(episodes: readonly E[], n: number): E[] {
  return [...episodes].sort((a, b) => (b.endMs - b.startMs) - (a.endMs - a.startMs) || a.startMs - b.startMs).slice(0, n);
}
