import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Matcher } from '../routing/matchers.js';
import { formatMatcher, parseMatchers } from '../routing/matchers.js';
import type { Silence } from '../routing/silence.js';
import type { Db } from './db.js';

/** Silences in SQLite: the daemon reads them every cycle, the CLI and the API write them. */
export class SilenceStore {
  private readonly stmt: Record<string, Statement>;

  constructor(db: Db) {
    this.stmt = {
      insert: db.prepare('INSERT INTO silences (id, matchers, starts_ms, ends_ms, created_by, comment, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      all: db.prepare('SELECT * FROM silences ORDER BY starts_ms, id'),
      active: db.prepare('SELECT * FROM silences WHERE ends_ms > ? ORDER BY starts_ms, id'),
      get: db.prepare('SELECT * FROM silences WHERE id = ?'),
      expire: db.prepare('UPDATE silences SET ends_ms = ? WHERE id = ? AND ends_ms > ?'),
      prune: db.prepare('DELETE FROM silences WHERE ends_ms < ?'),
    };
  }

  add(s: { matchers: readonly Matcher[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string }, nowMs: number): Silence {
    const id = randomUUID();
    this.stmt['insert']?.run(id, JSON.stringify(s.matchers.map(formatMatcher)), s.startsAt.getTime(), s.endsAt.getTime(), s.createdBy, s.comment, nowMs);
    return { id, matchers: s.matchers, startsAt: s.startsAt, endsAt: s.endsAt, createdBy: s.createdBy, comment: s.comment };
  }

  list(): Silence[] {
    return (this.stmt['all']?.all() as Record<string, unknown>[]).map(toSilence);
  }

  /** Silences not yet ended at `nowMs` (active or pending). */
  current(nowMs: number): Silence[] {
    return (this.stmt['active']?.all(nowMs) as Record<string, unknown>[]).map(toSilence);
  }

  get(id: string): Silence | undefined {
    const r = this.stmt['get']?.get(id) as Record<string, unknown> | undefined;
    return r && toSilence(r);
  }

  /** Ends a silence now; false when there is none with that id or it has already ended. */
  expire(id: string, nowMs: number): boolean {
    return (this.stmt['expire']?.run(nowMs, id, nowMs).changes ?? 0) === 1;
  }

  prune(beforeMs: number): number {
    return this.stmt['prune']?.run(beforeMs).changes ?? 0;
  }
}

export function toSilence(r: Record<string, unknown>): Silence {
  const texts = JSON.parse(String(r['matchers'])) as string[];
  const matchers = texts.flatMap((t) => {
    const parsed = parseMatchers(t);
    return parsed.ok ? parsed.value : [];
  });
  return {
    id: String(r['id']),
    matchers,
    startsAt: new Date(Number(r['starts_ms'])),
    endsAt: new Date(Number(r['ends_ms'])),
    createdBy: String(r['created_by']),
    comment: String(r['comment']),
  };
}
