import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rulesForSlos } from '../rules/prometheus.js';
import { DEFAULT_PROMETHEUS_RULE_NAME, RULES_FORMATS, renderRules } from '../rules/render.js';
import type { RulesFormat } from '../rules/render.js';
import { isWarning } from '../formats/located.js';
import { loadSpecs } from '../formats/load.js';
import { defineCommand } from './command.js';
import { formatError, SLO_FILE_OPTIONS, sloFileFlags } from './common.js';
import { EXIT_INVALID, EXIT_OK, UsageError } from './io.js';

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
export const rulesCommand = defineCommand({
  name: 'rules',
  usage: RULES_USAGE,
  positionals: true,
  options: {
    format: { type: 'string', default: 'prometheus' },
    ...SLO_FILE_OPTIONS,
    out: { type: 'string', short: 'o' },
    name: { type: 'string' },
    namespace: { type: 'string' },
    'extra-labels': { type: 'string', short: 'l', multiple: true },
    'disable-alerts': { type: 'boolean' },
    'disable-recordings': { type: 'boolean' },
  },
}, ({ values, positionals }, io) => {
  const format = values.format;
  if (!isRulesFormat(format)) throw new UsageError(`--format must be ${RULES_FORMATS.join(' or ')}, not "${format}"`);
  const paths = positionals.length > 0 ? positionals : ['slos/'];
  const load = sloFileFlags(paths, values, io);
  if (values.name !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(values.name)) {
    throw new UsageError(`--name must be a Kubernetes object name (lower case letters, digits, "-" and "."), not "${values.name}"`);
  }

  const extraLabels = parseExtraLabels(values['extra-labels'] ?? []);

  const result = loadSpecs(paths, load);
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
});

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
