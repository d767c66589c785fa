import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDuration } from '../slo/duration.js';
import type { LocatedProblem } from '../formats/located.js';
import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import { locationOf } from '../formats/loaded.js';
import { toNativeYaml } from '../formats/native/to-yaml.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { formatError } from './validate.js';

export const CONVERT_USAGE = `Usage: burnwatch convert <paths...> [--runbook-root DIR] [--default-slo-period 30d]

Reads SLO files in any format burnwatch reads (burnwatch/v1, Sloth, OpenSLO, Pyrra; files or folders,
recursively) and prints each SLO as an equivalent burnwatch/v1 document, separated by ---, each preceded
by a comment naming its source. Problems go to stderr as path:line:col: message.
Exit 0 when every SLO was converted, 1 when the input has errors, 2 on a usage error.`;

/** `burnwatch convert`: migrate SLO files from other tools to burnwatch/v1. */
export function convertCommand(args: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        'runbook-root': { type: 'string' },
        'default-slo-period': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`burnwatch convert: ${(err as Error).message}\n\n${CONVERT_USAGE}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(`${CONVERT_USAGE}\n`);
    return EXIT_OK;
  }
  try {
    if (positionals.length === 0) throw new UsageError('give the SLO files or folders to convert');
    const missing = positionals.filter((p) => !existsSync(p));
    if (missing.length > 0) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
    const period = values['default-slo-period'];
    const defaultPeriodMs = period === undefined ? undefined : parseDuration(period);
    if (period !== undefined && (defaultPeriodMs === undefined || defaultPeriodMs <= 0)) throw new UsageError(`--default-slo-period must be a duration such as 30d, not "${period}"`);

    const result = loadSpecs(positionals, {
      cwd: io.cwd,
      ...(values['runbook-root'] === undefined ? {} : { runbookRoot: values['runbook-root'] }),
      ...(defaultPeriodMs === undefined ? {} : { defaultPeriodMs }),
    });
    const errors: LocatedProblem[] = [...result.errors];
    const documents: string[] = [];
    const loaded = [...result.loaded].sort((a, b) => a.slo.source.file.localeCompare(b.slo.source.file) || a.slo.source.document - b.slo.source.document);
    for (const l of loaded) {
      const { source } = l.slo;
      const converted = toNativeYaml(l.slo);
      if (converted.text === undefined) {
        for (const problem of converted.problems) {
          errors.push({ ...locationOf(l, 'id'), message: `SLO "${l.slo.id}" cannot be converted: ${problem}`, hint: 'write this part of the burnwatch/v1 file by hand' });
        }
        continue;
      }
      documents.push(`# ${l.slo.id}: converted from ${source.file}, document ${source.document + 1} (${source.format})\n${converted.text}`);
    }
    io.out(documents.join('---\n'));
    for (const e of errors) io.err(`${formatError(e)}\n`);
    const problems = errors.filter((e) => !isWarning(e));
    if (problems.length > 0) {
      io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'}; converted ${documents.length} of ${result.slos.length} SLO${result.slos.length === 1 ? '' : 's'}\n`);
      return EXIT_INVALID;
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burnwatch convert: ${err.message}\n\n${CONVERT_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
