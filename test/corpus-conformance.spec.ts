import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isWarning } from '../src/formats/located.js';
import { loadSpecs } from '../src/formats/load.js';

/**
 * Every SLO file of the real-world corpus (Sloth, Pyrra, OpenSLO, slo-generator), loaded as a user would load
 * it: each folder at once, since files in a folder refer to each other (OpenSLO refs, Sloth catalogs).
 * Prints a table (file, format detected, SLOs found, outcome) and checks that exactly the files the upstream
 * projects reject, or that burnwatch cannot run (Go plugins, other backends, draft formats), fail.
 */
const repo = fileURLToPath(new URL('..', import.meta.url));
const corpus = join(repo, '..', 'shared', 'corpus');

/** Folders loaded as one unit each (files directly inside; sub-folders are their own units). */
const UNITS = [
  'sloth/specs', 'sloth/specs/windows', 'sloth/integration', 'sloth/validate/good', 'sloth/validate/bad',
  'sloth/validate/duplicates', 'sloth/validate/duplicates/k8s', 'sloth/validate/duplicates/openslo', 'sloth/validate/duplicates/prom',
  'pyrra/examples', 'pyrra/examples/docker-compose', 'pyrra/examples/mimir', 'pyrra/kubernetes-slos',
  'openslo/spec/examples/budgeting-method', 'openslo/spec/examples/treat-low-traffic-as-equally-important',
  'openslo/go-sdk/decode', 'openslo/go-sdk/v1/examples', 'openslo/go-sdk/v1alpha/examples', 'openslo/go-sdk/v2alpha/examples',
  'openslo/oslo/validate/inputs', 'openslo/oslo/validate/inputs/mix', 'openslo/oslo/validate/inputs/recursive',
  'openslo/oslo/validate/inputs/recursive/nested', 'openslo/oslo/validate/inputs/recursive/nested/nested2/nested3',
  'slo-generator/migration', 'slo-generator/samples/prometheus',
];

/** Files the upstream tools reject, or that burnwatch cannot run, with the reason the message must give. */
const EXPECTED_FAILURES: Record<string, string> = {
  // Sloth plugins are Go code.
  'sloth/specs/contrib-denominator-corrected.yaml': 'plugin',
  'sloth/specs/contrib-slo-plugins.yml': 'plugin',
  'sloth/specs/plugin-getting-started.yml': 'plugin',
  'sloth/specs/plugin-k8s-getting-started.yml': 'plugin',
  'sloth/specs/slo-plugin-getting-started.yml': 'plugin',
  'sloth/specs/slo-plugin-k8s-getting-started.yml': 'plugin',
  'sloth/specs/victoria-metrics.yml': 'plugin',
  'sloth/integration/in-sli-plugin.yaml': 'plugin',
  'sloth/integration/in-slo-plugin.yaml': 'plugin',
  'sloth/integration/in-slo-plugin-k8s.yaml': 'plugin',
  // The same SLO in several formats: sloth validate (without --ignore-slo-duplicates) rejects these too.
  'sloth/specs/k8s-getting-started.yml': 'duplicate SLO id',
  'sloth/specs/k8s-home-wifi.yml': 'duplicate SLO id',
  'sloth/specs/k8s-multifile.yml': 'duplicate SLO id',
  'sloth/specs/multifile.yml': 'duplicate SLO id',
  // Two catalogs for 30 days (Sloth: "slo period is already loaded").
  'sloth/specs/windows/google-30d.yaml': 'AlertWindows catalog',
  'sloth/integration/in-invalid-version.yaml': 'prometheus/v999',
  'sloth/validate/bad/bad-aa.yaml': '101',
  'sloth/validate/bad/bad-ab.yaml': '101',
  'sloth/validate/bad/bad-ba.yaml': '101',
  'sloth/validate/bad/bad-k8s.yaml': 'service',
  'sloth/validate/bad/bad-multi-k8s.yaml': 'alerting.name',
  'sloth/validate/bad/bad-multi.yaml': 'SLI is empty',
  'sloth/validate/duplicates/bad-prom-multi-duplicates.yaml': 'duplicate SLO id',
  'sloth/validate/duplicates/k8s/bad-k8s-1-original.yaml': 'duplicate SLO id',
  'sloth/validate/duplicates/openslo/bad-openslo-1-original.yaml': 'duplicate SLO id',
  'sloth/validate/duplicates/prom/bad-prom-1-original.yaml': 'duplicate SLO id',
  // OpenSLO: placeholder data sources (`type: Any`, `query: Any`) and non-Prometheus backends.
  'openslo/spec/examples/budgeting-method/occurences-slo.yaml': 'not supported',
  'openslo/spec/examples/budgeting-method/ratio-timeslices.yaml': 'not supported',
  'openslo/spec/examples/budgeting-method/timeslices-slo.yaml': 'not supported',
  'openslo/spec/examples/treat-low-traffic-as-equally-important/timeslices-slo.yaml': 'not supported',
  'openslo/go-sdk/v1alpha/examples/slos.yaml': 'datadog',
  // go-sdk's examples refer to notification targets none of them defines.
  'openslo/go-sdk/v1/examples/alert_policies.yaml': 'does not exist',
  // The draft v2alpha: a Datadog query, an SLO without objectives and a threshold SLI (the v2alpha reader reads the rest).
  'openslo/go-sdk/decode/v2alpha_slos.yaml': 'burnwatch cannot evaluate this query',
  // oslo's folder holds the same SLO as v1 and as v2alpha: one id, defined twice.
  'openslo/oslo/validate/inputs/v2alpha.yaml': 'duplicate SLO id "web-availability"',
  // oslo validate's inputs: every file holds at least one invalid object.
  'openslo/oslo/validate/inputs/invalid-apiversion.yaml': 'unknown SLO format',
  'openslo/oslo/validate/inputs/unknown-field.yaml': 'OpenSLO name',
  'openslo/oslo/validate/inputs/v1.yaml': 'OpenSLO name',
  'openslo/oslo/validate/inputs/v1alpha.yaml': 'OpenSLO name',
  'openslo/oslo/validate/inputs/mix/1.yaml': 'OpenSLO name',
  'openslo/oslo/validate/inputs/mix/2.yaml': 'OpenSLO name',
  'openslo/oslo/validate/inputs/recursive/1.yaml': 'OpenSLO name',
  // Google slo-generator is not read (named clearly).
  'slo-generator/migration/slo_config_v1.yaml': 'unknown SLO format',
  'slo-generator/migration/slo_config_v2.yaml': 'slo-generator',
  'slo-generator/samples/prometheus/slo_prom_metrics_availability_query_sli.yaml': 'slo-generator',
  'slo-generator/samples/prometheus/slo_prom_metrics_availability_ratio.yaml': 'slo-generator',
  'slo-generator/samples/prometheus/slo_prom_metrics_latency_distribution_cut.yaml': 'slo-generator',
  'slo-generator/samples/prometheus/slo_prom_metrics_latency_query_sli.yaml': 'slo-generator',
};

interface Row { file: string; formats: string; slos: number; outcome: string }

describe.skipIf(!existsSync(corpus))('conformance with the real-world SLO corpus', () => {
  const rows: Row[] = [];
  const loads: { unit: string; files: string[] }[] = [];
  for (const unit of UNITS) {
    const dir = join(corpus, unit);
    const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && statSync(join(dir, f)).isFile()).map((f) => join(dir, f));
    // Sloth's integration inputs are separate `sloth generate` runs (they share SLO ids): one load each.
    if (unit === 'sloth/integration') for (const f of files) loads.push({ unit, files: [f] });
    else loads.push({ unit, files });
  }
  for (const { unit, files } of loads) {
    // Sloth tests its good set (byte-identical copies) with --ignore-slo-duplicates.
    const result = loadSpecs(files, { cwd: repo, ignoreDuplicates: unit === 'sloth/validate/good' });
    for (const report of result.files) {
      const errors = result.errors.filter((e) => e.file === report.file && !isWarning(e));
      rows.push({
        file: relative(corpus, report.file),
        formats: report.formats.join(',') || '-',
        slos: report.slos,
        outcome: errors.length === 0 ? 'loads' : `fails: ${errors[0]?.message ?? ''}`,
      });
    }
  }

  it('prints the outcome table', () => {
    const width = Math.max(...rows.map((r) => r.file.length));
    const lines = rows.map((r) => `${r.file.padEnd(width)}  ${r.formats.padEnd(22)}  ${String(r.slos).padStart(3)}  ${r.outcome.slice(0, 110)}`);
    console.log(`${'file'.padEnd(width)}  ${'format'.padEnd(22)}  SLOs  outcome\n${lines.join('\n')}\n${rows.filter((r) => r.outcome === 'loads').length} of ${rows.length} files load`);
    expect(rows.length).toBeGreaterThan(100);
  });

  it('fails exactly the upstream-invalid and unsupported files, each with a message naming why', () => {
    const failing = Object.fromEntries(rows.filter((r) => r.outcome !== 'loads').map((r) => [r.file, r.outcome]));
    expect(Object.entries(failing).filter(([f]) => !(f in EXPECTED_FAILURES))).toEqual([]);
    expect(Object.keys(failing).sort()).toEqual(Object.keys(EXPECTED_FAILURES).sort());
    for (const [file, reason] of Object.entries(EXPECTED_FAILURES)) expect(failing[file], file).toContain(reason);
  });

  it('loads every Sloth validate/good file and every Pyrra file', () => {
    for (const r of rows.filter((x) => x.file.startsWith('sloth/validate/good/') || x.file.startsWith('pyrra/'))) {
      expect(r.outcome, r.file).toBe('loads');
      expect(r.slos, r.file).toBeGreaterThan(0);
    }
  });
});
