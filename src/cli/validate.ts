import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import { formatDuration } from '../slo/duration.js';
import { defineCommand } from './command.js';
import { formatError, SLO_FILE_OPTIONS, sloFileFlags } from './common.js';
import { EXIT_INVALID, EXIT_OK, UsageError } from './io.js';

export const VALIDATE_USAGE = `Usage: burnwatch validate [paths...] [--format text|json] [--runbook-root DIR] [--default-slo-period 30d] [--ignore-duplicates]

Checks SLO files and budget corrections (files or folders, recursively; default slos/) and reports every
problem as path:line:col: message. Exit 0 when all are valid, 1 when any is invalid, 2 on a usage error.`;

/** `burnwatch validate`: the pull-request check for SLO files. */
export const validateCommand = defineCommand({
  name: 'validate',
  usage: VALIDATE_USAGE,
  positionals: true,
  options: {
    format: { type: 'string', default: 'text' },
    ...SLO_FILE_OPTIONS,
    'ignore-duplicates': { type: 'boolean' },
  },
}, ({ values, positionals }, io) => {
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
  const paths = positionals.length > 0 ? positionals : ['slos/'];
  const result = loadSpecs(paths, { ...sloFileFlags(paths, values, io), ignoreDuplicates: values['ignore-duplicates'] === true });
  const problems = result.errors.filter((e) => !isWarning(e));
  const valid = problems.length === 0;
  if (format === 'json') {
    io.out(`${JSON.stringify({
      valid,
      files: result.files,
      slos: result.slos.map((s) => ({ id: s.id, service: s.service, file: s.source.file, format: s.source.format })),
      corrections: result.corrections.map(({ correction: c }) => ({
        name: c.name,
        file: c.source.file,
        line: c.source.line,
        start: new Date(c.startMs).toISOString(),
        end: new Date(c.startMs + c.durationMs).toISOString(),
        ...(c.everyMs === undefined ? {} : { every: formatDuration(c.everyMs) }),
        reason: c.reason,
        slos: result.slos.filter((s) => s.corrections?.includes(c) === true).map((s) => s.id),
      })),
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
    const corrections = result.corrections.length;
    const corrected = corrections === 0 ? '' : ` and ${corrections} budget correction${corrections === 1 ? '' : 's'}`;
    io.err(valid
      ? `ok: ${result.slos.length} SLO${result.slos.length === 1 ? '' : 's'}${corrected} in ${files} file${files === 1 ? '' : 's'}${warned}\n`
      : `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${bad} of ${files} file${files === 1 ? '' : 's'}${elsewhere}${warned}\n`);
  }
  return valid ? EXIT_OK : EXIT_INVALID;
});
