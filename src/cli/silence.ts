import { formatMatcher } from '../routing/matchers.js';
import { silenceState, validateSilence } from '../routing/silence.js';
import { formatDuration } from '../slo/duration.js';
import { openDb, storageFault } from '../store/db.js';
import { SilenceStore } from '../store/silences.js';
import { defineCommand } from './command.js';
import { durationFlag, parseTime, renderTable } from './common.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';

export const DEFAULT_DB_PATH = './data/burnwatch.db';

export const SILENCE_USAGE = `Usage: burnwatch silence add --matcher 'slo="checkout"' [--matcher ...] [--duration 2h | --end TIME] [--start TIME] --comment TEXT [--created-by NAME]
       burnwatch silence list [--all] [--format table|json]
       burnwatch silence expire <id>

Silences mute notifications of matching alerts (labels: slo, service, severity, alertname, team, ... and the
instance labels) for a time range. The running daemon reads them from its database every cycle.

  --db PATH       burnwatch's SQLite database (default ${DEFAULT_DB_PATH}, or BURNWATCH_DB)
  --matcher M     name="value", name!="value", name=~"regex", name!~"regex" (regexes fully anchored); repeatable`;

export function silenceCommand(args: readonly string[], io: CliIo): number {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(`${SILENCE_USAGE}\n`);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  let dbPath = DEFAULT_DB_PATH;
  return defineCommand({
    name: 'silence',
    usage: SILENCE_USAGE,
    positionals: true,
    help: false,
    options: {
      db: { type: 'string' },
      matcher: { type: 'string', multiple: true, short: 'm' },
      duration: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      comment: { type: 'string', short: 'c' },
      'created-by': { type: 'string' },
      all: { type: 'boolean' },
      format: { type: 'string', default: 'table' },
    },
    // Any SQLite failure, at open or later (a locked, full or corrupt file), is named with what to do.
    failure: (err) => {
      const fault = storageFault(err, dbPath);
      if (!fault) return undefined;
      io.err(`burnwatch silence: ${fault.message}\n  ${fault.hint}\n`);
      return EXIT_INVALID;
    },
  }, ({ values, positionals }) => {
    const now = io.now();
    dbPath = values.db ?? io.env['BURNWATCH_DB'] ?? DEFAULT_DB_PATH;
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
        const db = openDb(dbPath);
        try {
          const s = new SilenceStore(db).add({ matchers: check.matchers, startsAt, endsAt, createdBy: values['created-by'] ?? io.env['USER'] ?? 'burnwatch-cli', comment }, now.getTime());
          io.out(`${s.id}\n`);
          io.err(`silenced ${check.matchers.map(formatMatcher).join(', ')} from ${startsAt.toISOString()} until ${endsAt.toISOString()}\n`);
        } finally {
          db.close();
        }
        return EXIT_OK;
      }
      case 'list': {
        const db = openDb(dbPath);
        try {
          const store = new SilenceStore(db);
          const silences = values.all === true ? store.list() : store.current(now.getTime());
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
        } finally {
          db.close();
        }
        return EXIT_OK;
      }
      case 'expire': {
        const id = positionals[0];
        if (id === undefined) throw new UsageError('give the id of the silence to expire (burnwatch silence list shows them)');
        const db = openDb(dbPath);
        try {
          if (!new SilenceStore(db).expire(id, now.getTime())) {
            io.err(`burnwatch silence: no active or pending silence with id ${id}\n`);
            return EXIT_INVALID;
          }
        } finally {
          db.close();
        }
        io.err(`silence ${id} expired\n`);
        return EXIT_OK;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}": use add, list or expire`);
    }
  })(rest, io);
}
