import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../slo/duration.js';
import type { LocatedProblem } from '../formats/located.js';
import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';

export const VALIDATE_USAGE = `Usage: burnwatch validate [paths...] [--format text|json] [--runbook-root DIR] [--default-slo-period 30d] [--ignore-duplicates]

Checks SLO files (files or folders, recursively; default slos/) and reports every problem as
path:line:col: message. Exit 0 when all are valid, 1 when any is invalid, 2 on a usage error.`;

/** `burnwatch validate`: the pull-request check for SLO files. */
export function validateCommand(args: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        'runbook-root': { type: 'string' },
        'default-slo-period': { type: 'string' },
        'ignore-duplicates': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`burnwatch validate: ${(err as Error).message}\n\n${VALIDATE_USAGE}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(`${VALIDATE_USAGE}\n`);
    return EXIT_OK;
  }
  try {
    const format = values.format;
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
    const paths = positionals.length > 0 ? positionals : ['slos/'];
    const missing = paths.filter((p) => !existsSync(p));
    if (missing.length > 0) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
    const period = values['default-slo-period'];
    const defaultPeriodMs = period === undefined ? undefined : parseDuration(period);
    if (period !== undefined && (defaultPeriodMs === undefined || defaultPeriodMs <= 0)) throw new UsageError(`--default-slo-period must be a duration such as 30d, not "${period}"`);

    const result = loadSpecs(paths, {
      cwd: io.cwd,
      ...(values['runbook-root'] === undefined ? {} : { runbookRoot: values['runbook-root'] }),
      ...(defaultPeriodMs === undefined ? {} : { defaultPeriodMs }),
      ignoreDuplicates: values['ignore-duplicates'] === true,
    });
    const problems = result.errors.filter((e) => !isWarning(e));
    const valid = problems.length === 0;
    if (format === 'json') {
      io.out(`${JSON.stringify({
        valid,
        files: result.files,
        slos: result.slos.map((s) => ({ id: s.id, service: s.service, file: s.source.file, format: s.source.format })),
        errors: result.errors,
      }, null, 2)}\n`);
    } else {
      for (const e of result.errors) io.out(`${formatError(e)}\n`);
      const files = result.files.length;
      // Problems of the files, and of other paths (a folder that cannot be read, a link that leads nowhere).
      const fileNames = new Set(result.files.map((f) => f.file));
      const bad = new Set(problems.filter((e) => fileNames.has(e.file)).map((e) => e.file)).size;
      const others = new Set(problems.filter((e) => !fileNames.has(e.file)).map((e) => e.file)).size;
      const elsewhere = others === 0 ? '' : ` and ${others} other path${others === 1 ? '' : 's'}`;
      const warnings = result.errors.length - problems.length;
      const warned = warnings === 0 ? '' : `, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      io.err(valid
        ? `ok: ${result.slos.length} SLO${result.slos.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}${warned}\n`
        : `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${bad} of ${files} file${files === 1 ? '' : 's'}${elsewhere}${warned}\n`);
    }
    return valid ? EXIT_OK : EXIT_INVALID;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burnwatch validate: ${err.message}\n\n${VALIDATE_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

/** `path:line:col: field: message (hint: ...)`: one line per problem, as compilers print them. */
export function formatError(e: LocatedProblem): string {
  const field = `${isWarning(e) ? 'warning: ' : ''}${e.path === '' ? '' : `${e.path}: `}`;
  const hint = e.hint === undefined ? '' : ` (hint: ${e.hint})`;
  return `${e.file}:${e.line}:${e.col}: ${field}${e.message}${hint}`;
}
