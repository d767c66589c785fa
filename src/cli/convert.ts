import type { LocatedProblem } from '../formats/located.js';
import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import { locationOf } from '../formats/loaded.js';
import { toNativeYaml } from '../formats/native/to-yaml.js';
import { defineCommand } from './command.js';
import { formatError, SLO_FILE_OPTIONS, sloFileFlags } from './common.js';
import { EXIT_INVALID, EXIT_OK, UsageError } from './io.js';

export const CONVERT_USAGE = `Usage: burnwatch convert <paths...> [--runbook-root DIR] [--default-slo-period 30d]

Reads SLO files in any format burnwatch reads (burnwatch/v1, Sloth, OpenSLO, Pyrra; files or folders,
recursively) and prints each SLO as an equivalent burnwatch/v1 document, separated by ---, each preceded
by a comment naming its source. Problems go to stderr as path:line:col: message.
Exit 0 when every SLO was converted, 1 when the input has errors, 2 on a usage error.`;

/** `burnwatch convert`: migrate SLO files from other tools to burnwatch/v1. */
export const convertCommand = defineCommand({
  name: 'convert',
  usage: CONVERT_USAGE,
  positionals: true,
  options: SLO_FILE_OPTIONS,
}, ({ values, positionals }, io) => {
  if (positionals.length === 0) throw new UsageError('give the SLO files or folders to convert');
  const result = loadSpecs(positionals, sloFileFlags(positionals, values, io));
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
});
