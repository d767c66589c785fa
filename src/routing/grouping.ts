import type { Labels } from './labels.js';
import { formatLabelSet, withoutEmptyLabels } from './labels.js';
import type { Route } from './route.js';

/**
 * Grouping and the "notify now?" decision of Alertmanager (dispatch/dispatch.go `aggrGroup`,
 * notify/notify.go `DedupStage.needsUpdate`, v0.25.0), as pure functions: every time is an argument.
 *
 * An alert that a route handles joins the route's group for its group labels. A group is flushed first
 * `group_wait` after it was created (at once when an alert's `startsAt + group_wait` has already passed),
 * then every `group_interval`. At each flush a notification goes out when:
 *   1. nothing was sent for the group yet and at least one alert fires (first notification);
 *   2. an alert fires that the last notification did not include as firing (new alerts);
 *   3. no alert fires any more and the last notification had firing ones (all resolved);
 *   4. with send_resolved, an alert resolved that the last notification did not list as resolved;
 *   5. otherwise only when `repeat_interval` has passed since the last notification.
 */

/** The labels that define the alert's group on this route: the `group_by` labels the alert has. */
export function groupLabels(route: Route, labels: Labels): Record<string, string> {
  const present = withoutEmptyLabels(labels);
  if (route.groupBy === 'all') return present;
  const out: Record<string, string> = {};
  for (const name of route.groupBy) {
    const value = present[name];
    if (value !== undefined && Object.hasOwn(present, name)) out[name] = value;
  }
  return out;
}

/**
 * The group's identity: `<route id>:<group labels>`, e.g. `{}/{severity="page"}/0:{slo="checkout"}`, in the
 * shape of Alertmanager's `aggrGroup.GroupKey()`. Alertmanager 0.25 uses the route's key, which siblings
 * with equal matchers share; the id (key plus position) keeps their groups apart.
 */
export function groupKey(route: Route, labels: Labels): string {
  return `${route.id}:${formatLabelSet(groupLabels(route, labels))}`;
}

/** What the last notification of a group said (Alertmanager's notification log entry). */
export interface NotificationLogEntry {
  readonly at: Date;
  /** Identities (fingerprints or alert keys) of the alerts the notification listed as firing. */
  readonly firing: ReadonlySet<string>;
  /** ... and as resolved. */
  readonly resolved: ReadonlySet<string>;
}

export type NotifyReason =
  | 'first-notification'
  | 'new-alerts'
  | 'new-resolved'
  | 'all-resolved'
  | 'repeat-interval'
  /** Nothing new and the repeat interval has not passed. */
  | 'none'
  /** The group is not due for a flush (group_wait or group_interval still running). */
  | 'waiting';

export function shouldNotify(reason: NotifyReason): boolean {
  return reason !== 'none' && reason !== 'waiting';
}

function isSubset(items: ReadonlySet<string>, of: ReadonlySet<string>): boolean {
  for (const item of items) if (!of.has(item)) return false;
  return true;
}

/**
 * Mirrors `DedupStage.needsUpdate`: whether a flush of a group with these `firing` and `resolved` alerts
 * must notify, given the group's last notification (undefined: none yet).
 */
export function needsUpdate(args: {
  readonly last: NotificationLogEntry | undefined;
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  readonly now: Date;
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
}): NotifyReason {
  const { last, firing, resolved } = args;
  if (last === undefined) return firing.size > 0 ? 'first-notification' : 'none';
  if (!isSubset(firing, last.firing)) return last.firing.size === 0 ? 'first-notification' : 'new-alerts';
  if (firing.size === 0) return last.firing.size > 0 ? 'all-resolved' : 'none';
  if (args.sendResolved && !isSubset(resolved, last.resolved)) return 'new-resolved';
  // Alertmanager: entry.Timestamp.Before(now - repeat), i.e. strictly more than repeat_interval ago.
  return last.at.getTime() < args.now.getTime() - args.repeatIntervalMs ? 'repeat-interval' : 'none';
}

/**
 * The flush timer of a group (Alertmanager's `aggrGroup.next` and `hasFlushed`). Create it with
 * `newGroupTimer`, update it with `alertJoined` and `afterFlush`; it is a value, the caller stores it.
 */
export interface GroupTimer {
  readonly nextFlushAt: Date;
  /** Whether the group has been flushed once (then `group_wait` no longer applies). */
  readonly flushed: boolean;
}

type Timings = Pick<Route, 'groupWaitMs' | 'groupIntervalMs'>;

/** A group created at `createdAt` by an alert that started at `startsAt`: first flush after `group_wait`. */
export function newGroupTimer(createdAt: Date, startsAt: Date, route: Timings): GroupTimer {
  return alertJoined({ nextFlushAt: new Date(createdAt.getTime() + route.groupWaitMs), flushed: false }, startsAt, createdAt, route);
}

/**
 * An alert joined the group at `at`. Before the first flush, an alert that started more than `group_wait`
 * ago makes the group flush at once (`startsAt + group_wait` before `at`), as in `aggrGroup.insert`.
 */
export function alertJoined(timer: GroupTimer, startsAt: Date, at: Date, route: Timings): GroupTimer {
  if (timer.flushed) return timer;
  if (startsAt.getTime() + route.groupWaitMs < at.getTime() && at.getTime() < timer.nextFlushAt.getTime()) {
    return { nextFlushAt: at, flushed: false };
  }
  return timer;
}

/** The group was flushed at `at`: the next flush is `group_interval` later. */
export function afterFlush(at: Date, route: Timings): GroupTimer {
  return { nextFlushAt: new Date(at.getTime() + route.groupIntervalMs), flushed: true };
}

/** Whether the group is due for a flush at `now`. */
export function isFlushDue(timer: GroupTimer, now: Date): boolean {
  return now.getTime() >= timer.nextFlushAt.getTime();
}

/**
 * "Does this group need a notification now?": `waiting` until the group's flush is due, then the reason
 * of `needsUpdate`. After a due flush the caller stores `afterFlush(now, route)`, and after a notification
 * the new log entry (`at = now` and the alerts it listed).
 */
export function decideGroupNotification(args: {
  readonly route: Pick<Route, 'repeatIntervalMs'>;
  readonly timer: GroupTimer;
  readonly last: NotificationLogEntry | undefined;
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  readonly now: Date;
  readonly sendResolved: boolean;
}): NotifyReason {
  if (!isFlushDue(args.timer, args.now)) return 'waiting';
  return needsUpdate({
    last: args.last,
    firing: args.firing,
    resolved: args.resolved,
    now: args.now,
    repeatIntervalMs: args.route.repeatIntervalMs,
    sendResolved: args.sendResolved,
  });
}
