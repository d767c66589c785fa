import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { rulesForSlos } from '../rules/prometheus.js';
import { DEFAULT_PROMETHEUS_RULE_NAME, RULES_FORMATS, renderRules } from '../rules/render.js';
import type { RulesFormat } from '../rules/render.js';
import { parseDuration } from '../slo/duration.js';
import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import type { CliIo } from './io.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError } from './io.js';
import { formatError } from './validate.js';

export const RULES_USAGE = `Usage: burnwatch rules [paths...] [--format prometheus|prometheus-operator] [--default-slo-period 30d]
                       [--out FILE] [--name NAME] [--namespace NS] [--runbook-root DIR]
                       [-l|--extra-labels k=v ...] [--disable-alerts] [--disable-recordings]

Writes Prometheus recording and alerting rules that evaluate the SLOs in the given files or folders
(default slos/), named like Sloth's (slo:sli_error:ratio_rate<window>, sloth_id, sloth_severity, ...).
--format prometheus (default) writes a rule file for rule_files; prometheus-operator writes a
monitoring.coreos.com/v1 PrometheusRule named --name (default ${DEFAULT_PROMETHEUS_RULE_NAME}) in --namespace.
--extra-labels, --disable-alerts and --disable-recordings work as in sloth generate.
Output goes to stdout, or to --out FILE. Exit 0 on success, 1 when an SLO file is invalid (the problems are
printed on stderr as path:line:col: message), 2 on a usage error.`;

/** `burnwatch rules`: SLO files -> Prometheus rules. */
export function rulesCommand(args: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'prometheus' },
        'default-slo-period': { type: 'string' },
        out: { type: 'string', short: 'o' },
        name: { type: 'string' },
        namespace: { type: 'string' },
        'runbook-root': { type: 'string' },
        'extra-labels': { type: 'string', short: 'l', multiple: true },
        'disable-alerts': { type: 'boolean' },
        'disable-recordings': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`burnwatch rules: ${(err as Error).message}\n\n${RULES_USAGE}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(`${RULES_USAGE}\n`);
    return EXIT_OK;
  }
  try {
    const format = values.format;
    if (!isRulesFormat(format)) throw new UsageError(`--format must be ${RULES_FORMATS.join(' or ')}, not "${format}"`);
    const paths = positionals.length > 0 ? positionals : ['slos/'];
    const missing = paths.filter((p) => !existsSync(p));
    if (missing.length > 0) throw new UsageError(`no such file or folder: ${missing.join(', ')}`);
    const period = values['default-slo-period'];
    const defaultPeriodMs = period === undefined ? undefined : parseDuration(period);
    if (period !== undefined && (defaultPeriodMs === undefined || defaultPeriodMs <= 0)) {
      throw new UsageError(`--default-slo-period must be a duration such as 30d, not "${period}"`);
    }
    if (values.name !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(values.name)) {
      throw new UsageError(`--name must be a Kubernetes object name (lower case letters, digits, "-" and "."), not "${values.name}"`);
    }

    const extraLabels = parseExtraLabels(values['extra-labels'] ?? []);

    const result = loadSpecs(paths, {
      cwd: io.cwd,
      ...(values['runbook-root'] === undefined ? {} : { runbookRoot: values['runbook-root'] }),
      ...(defaultPeriodMs === undefined ? {} : { defaultPeriodMs }),
    });
    for (const e of result.errors) io.err(`${formatError(e)}\n`);
    const problems = result.errors.filter((e) => !isWarning(e));
    if (problems.length > 0) {
      io.err(`burnwatch rules: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the SLO files; no rules written\n`);
      return EXIT_INVALID;
    }

    const rules = rulesForSlos(result.slos, {
      extraLabels,
      alerts: values['disable-alerts'] !== true,
      recordings: values['disable-recordings'] !== true,
    });
    for (const note of rules.notes) io.err(`note: ${note.slo}: ${note.message}\n`);
    const text = renderRules(format, rules.groups, {
      name: values.name ?? DEFAULT_PROMETHEUS_RULE_NAME,
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    });
    if (values.out === undefined) {
      io.out(text);
    } else {
      writeFileSync(resolve(io.cwd, values.out), text);
    }
    const count = result.slos.length;
    io.err(`ok: ${rules.groups.length} rule group${rules.groups.length === 1 ? '' : 's'} for ${count} SLO${count === 1 ? '' : 's'}${values.out === undefined ? '' : ` written to ${values.out}`}\n`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burnwatch rules: ${err.message}\n\n${RULES_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

/** `-l team=checkout -l env=prod` -> { team: 'checkout', env: 'prod' }. */
function parseExtraLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? '' : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__') || value === '') {
      throw new UsageError(`--extra-labels wants name=value with a Prometheus label name and a non-empty value, not "${pair}"`);
    }
    labels[name] = value;
  }
  return labels;
}

function isRulesFormat(v: string): v is RulesFormat {
  return (RULES_FORMATS as readonly string[]).includes(v);
}
