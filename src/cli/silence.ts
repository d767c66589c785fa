import { formatMatcher } from '../routing/matchers.js';
import { silenceState, validateSilence } from '../routing/silence.js';
import { formatDuration } from '../slo/duration.js';
import { storageFault } from '../store/db.js';
import type { Silences } from '../store/store.js';
import { defineAsyncCommand } from './command.js';
import { durationFlag, parseTime, renderTable } from './common.js';
import type { DatabaseTarget } from './database.js';
import { databaseOfSettings, openTargetStore, targetLocation } from './database.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';

export const DEFAULT_DB_PATH = './data/burnwatch.db';

export const SILENCE_USAGE = `Usage: burnwatch silence add --matcher 'slo="checkout"' [--matcher ...] [--duration 2h | --end TIME] [--start TIME] --comment TEXT [--created-by NAME]
       burnwatch silence list [--all] [--format table|json]
       burnwatch silence expire <id>

Silences mute notifications of matching alerts (labels: slo, service, severity, alertname, team, ... and the
instance labels) for a time range. The running daemon reads them from its database every cycle.

  --config FILE   the settings file of burnwatch run (default BURNWATCH_CONFIG): its database is used, PostgreSQL
                  (database.url, database.password) or SQLite (database.path)
  --db PATH       burnwatch's SQLite database (default: the settings' database, else BURNWATCH_DB or ${DEFAULT_DB_PATH})
  --matcher M     name="value", name!="value", name=~"regex", name!~"regex" (regexes fully anchored); repeatable`;

/** Runs `use` on the silences of the database, closing it after. */
async function withSilences<T>(target: DatabaseTarget, use: (silences: Silences) => Promise<T>): Promise<T> {
  const store = await openTargetStore(target);
  try {
    return await use(store.silences);
  } finally {
    await store.close();
  }
}

export function silenceCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(`${SILENCE_USAGE}\n`);
    return Promise.resolve(sub === undefined ? EXIT_USAGE : EXIT_OK);
  }
  let where = DEFAULT_DB_PATH;
  return defineAsyncCommand({
    name: 'silence',
    usage: SILENCE_USAGE,
    positionals: true,
    help: false,
    options: {
      db: { type: 'string' },
      config: { type: 'string' },
      matcher: { type: 'string', multiple: true, short: 'm' },
      duration: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      comment: { type: 'string', short: 'c' },
      'created-by': { type: 'string' },
      all: { type: 'boolean' },
      format: { type: 'string', default: 'table' },
    },
    // Any storage failure, at open or later (a locked, full or corrupt file; a PostgreSQL server that cannot be
    // reached), is named (the file, or the URL without its password) with what to do.
    failure: (err) => {
      const fault = storageFault(err, where);
      if (!fault) return undefined;
      io.err(`burnwatch silence: ${fault.message}\n  ${fault.hint}\n`);
      return EXIT_INVALID;
    },
  }, async ({ values, positionals }) => {
    const now = io.now();
    const named = databaseOfSettings(values, io, 'silence');
    if (typeof named === 'number') return named;
    const target: DatabaseTarget = named ?? { kind: 'sqlite', path: io.env['BURNWATCH_DB'] ?? DEFAULT_DB_PATH };
    where = targetLocation(target);
    switch (sub) {
      case 'add': {
        if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
        const comment = values.comment;
        if (comment === undefined || comment.trim() === '') throw new UsageError('--comment is required: say why the alerts are muted');
        const startsAt = new Date(values.start === undefined ? now.getTime() : parseTime(values.start, now, '--start'));
        if (values.duration !== undefined && values.end !== undefined) throw new UsageError('give --duration or --end, not both');
        const endsAt = new Date(values.end !== undefined ? parseTime(values.end, now, '--end') : startsAt.getTime() + durationFlag(values.duration ?? '2h', '--duration'));
        const check = validateSilence({ matchers: values.matcher ?? [], startsAt, endsAt });
        if (!check.ok) {
          for (const p of check.problems) io.err(`burnwatch silence: ${p.field}: ${p.message} (hint: ${p.hint})\n`);
          return EXIT_USAGE;
        }
        const s = await withSilences(target, (silences) => silences.add({ matchers: check.matchers, startsAt, endsAt, createdBy: values['created-by'] ?? io.env['USER'] ?? 'burnwatch-cli', comment }, now.getTime()));
        io.out(`${s.id}\n`);
        io.err(`silenced ${check.matchers.map(formatMatcher).join(', ')} from ${startsAt.toISOString()} until ${endsAt.toISOString()}\n`);
        return EXIT_OK;
      }
      case 'list': {
        const silences = await withSilences(target, (store) => (values.all === true ? store.list() : store.current(now.getTime())));
        if (values.format === 'json') {
          io.out(`${JSON.stringify(silences.map((s) => ({ id: s.id, matchers: s.matchers.map(formatMatcher), startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), state: silenceState(s, now), createdBy: s.createdBy, comment: s.comment })), null, 2)}\n`);
        } else {
          const rows = [['ID', 'STATE', 'MATCHERS', 'STARTS', 'ENDS', 'LEFT', 'CREATED BY', 'COMMENT']];
          for (const s of silences) {
            const left = s.endsAt.getTime() - now.getTime();
            rows.push([s.id, silenceState(s, now), s.matchers.map(formatMatcher).join(','), s.startsAt.toISOString(), s.endsAt.toISOString(), left > 0 ? formatDuration(Math.ceil(left / 60_000) * 60_000) : '-', s.createdBy ?? '', s.comment ?? '']);
          }
          io.out(renderTable(rows));
        }
        return EXIT_OK;
      }
      case 'expire': {
        const id = positionals[0];
        if (id === undefined) throw new UsageError('give the id of the silence to expire (burnwatch silence list shows them)');
        if (!(await withSilences(target, (silences) => silences.expire(id, now.getTime())))) {
          io.err(`burnwatch silence: no active or pending silence with id ${id}\n`);
          return EXIT_INVALID;
        }
        io.err(`silence ${id} expired\n`);
        return EXIT_OK;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}": use add, list or expire`);
    }
  })(rest, io);
}
