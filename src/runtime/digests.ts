import type { AppConfigFile } from '../config/schema.js';
import { reportFromStore } from '../engine/report-data.js';
import type { LocatedProblem } from '../formats/located.js';
import { DIGEST_KINDS } from '../notify/notifier.js';
import type { RoutingConfig } from '../notify/routing-config.js';
import type { DigestSchedule } from '../report/digest.js';
import { digestKey, dueDigest, toDigest } from '../report/digest.js';
import type { Slo } from '../slo/model.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../logger.js';
import { problem } from './startup-error.js';

/**
 * The daemon's report digests (settings `reports.digests`): after each evaluation cycle, a digest whose time
 * has come is built from the daemon's own store, SQLite or PostgreSQL (ledger and alert history, as `report`
 * reads them) and
 * queued in the outbox, where the dispatcher delivers it like any notification (retries, dead letters). Its
 * outbox id names the digest and the period, and a digest already queued is not built again: a restart, or a
 * second cycle in the same minute, never sends it twice.
 */

export type DigestSetting = AppConfigFile['reports']['digests'][number];

/** Digests whose receiver is missing from the routing config or takes no digests (pagerduty, alertmanager). */
export function digestProblems(digests: readonly DigestSetting[], routing: RoutingConfig, file: string): LocatedProblem[] {
  const kinds = new Map(routing.receivers.map((r) => [r.name, r.kind]));
  const out: LocatedProblem[] = [];
  digests.forEach((d, i) => {
    const kind = kinds.get(d.receiver);
    const path = `reports.digests[${i}].receiver`;
    if (kind === undefined) out.push(problem(file, `digest "${d.name}" goes to receiver "${d.receiver}", which the routing config does not define`, `name one of its receivers (${[...kinds.keys()].join(', ')}) with a ${DIGEST_KINDS.join(', ')} destination`, path));
    else if (!DIGEST_KINDS.includes(kind)) out.push(problem(file, `digest "${d.name}" goes to receiver "${d.receiver}", a ${kind} receiver, which takes no digests`, `use a receiver with a ${DIGEST_KINDS.join(', ')} destination`, path));
  });
  return out;
}

export interface DigestDeps {
  /** The daemon's store: the digests read its ledger and alert history and queue themselves in its outbox. */
  readonly store: Store;
  /** The SLOs that run now. */
  readonly slos: () => readonly Slo[];
  /** Wakes the dispatcher after a digest was queued. */
  readonly wake: () => void;
  readonly logger: Logger;
}

export class DigestScheduler {
  private readonly schedules: readonly (DigestSchedule & { receiver: string; groupBy: string })[];

  constructor(digests: readonly DigestSetting[], private readonly deps: DigestDeps) {
    this.schedules = digests.map((d) => ({ name: d.name, every: d.every, timezone: d.timezone, at: d.at, receiver: d.receiver, groupBy: d.groupBy }));
  }

  /** Queues each digest that is due at `nowMs` and not queued yet; the number queued. Storage errors are the caller's. */
  async check(nowMs: number): Promise<number> {
    let queued = 0;
    for (const s of this.schedules) {
      const due = dueDigest(s, nowMs);
      if (due === undefined || (await this.deps.store.outbox.receiversOf(due.id)).length > 0) continue;
      const report = await reportFromStore(this.deps.store, this.deps.slos(), due.range, 'the burnwatch database', { groupBy: s.groupBy, maxPoints: 0 });
      const digest = toDigest(s, due, report, nowMs);
      if (await this.deps.store.outbox.insertDigest(digest, digestKey(s.name), s.receiver, nowMs)) {
        queued++;
        this.deps.logger.info({ component: 'reports', digest: s.name, receiver: s.receiver, from: digest.from, to: digest.to, slos: digest.slos.length }, 'report digest queued');
      }
    }
    if (queued > 0) this.deps.wake();
    return queued;
  }
}
