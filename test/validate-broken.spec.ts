import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '../src/formats/load.js';

/**
 * Each file in fixtures/broken holds exactly one mistake an SLO author makes. The expected line is the one
 * marked `# <- mistake` in the file (or given below where the marker cannot be on the faulty line), and the
 * expected text is what the author needs to read: written here from the mistake, not copied from output.
 */
const dir = fileURLToPath(new URL('./fixtures/broken/', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

interface Expectation { text: string; line?: number; col?: number; path?: string }

const expected: Record<string, Expectation> = {
  '01-yaml-unclosed-quote.yaml': { line: 10, text: 'Missing closing "quote' },
  '02-yaml-tab-indent.yaml': { text: 'Tabs are not allowed', col: 1 },
  '03-yaml-duplicate-key.yaml': { text: 'Map keys must be unique', col: 3 },
  '04-unknown-top-level-key.yaml': { text: 'unknown field "specs"', path: 'specs', col: 1 },
  '05-misspelt-objective.yaml': { text: 'did you mean "objective"', path: 'spec.objetive', col: 3 },
  '06-missing-name.yaml': { line: 3, col: 1, text: 'missing required field "name"', path: 'metadata.name' },
  '07-invalid-name.yaml': { text: 'is not a valid name', path: 'metadata.name' },
  '08-objective-percent-string.yaml': { text: 'without quotes or a % sign', path: 'spec.objective' },
  '09-objective-100.yaml': { text: 'must be below 100', path: 'spec.objective' },
  '10-objective-as-ratio-zero.yaml': { text: 'must be above 0', path: 'spec.objective' },
  '11-bad-period.yaml': { text: '"30days" is not a duration', path: 'spec.period' },
  '12-bad-calendar-unit.yaml': { text: 'day, week, month, quarter or year', path: 'spec.period.calendar' },
  '13-unknown-timezone.yaml': { text: 'unknown time zone "Europe/Berln"', path: 'spec.period.timezone' },
  '14-timeslice-target-percent.yaml': { text: 'not a percentage', path: 'spec.budgeting.timeslices.target' },
  '15-two-indicator-kinds.yaml': { text: 'both events and boolGauge', path: 'spec.indicator.boolGauge' },
  '16-empty-indicator.yaml': { text: 'exactly one of events, latency, ratio or boolGauge', path: 'spec.indicator' },
  '17-errors-and-good.yaml': { text: 'errors or good, not both', path: 'spec.indicator.events.good' },
  '18-missing-total.yaml': { line: 12, text: 'missing required field "total"', path: 'spec.indicator.events.total' },
  // The unclosed parenthesis is the one after sum: column of "(" in the file.
  '19-promql-unclosed-paren.yaml': { line: 13, col: 18, text: '"(" is never closed', path: 'spec.indicator.events.errors' },
  '20-mixed-selector-and-template.yaml': { text: 'both as counter selectors, or both as expressions', path: 'spec.indicator.events.total' },
  '21-expression-without-window.yaml': { text: 'neither a counter selector nor an expression with {{.window}}', path: 'spec.indicator.events.errors' },
  // Points at the placeholder itself inside the query.
  '22-misspelt-placeholder.yaml': { line: 13, col: 76, text: 'unknown template placeholder {{.Window}}' },
  '23-latency-count-series.yaml': { text: 'write the base name: http_request_duration_seconds', path: 'spec.indicator.latency.histogram' },
  '24-latency-bad-threshold.yaml': { text: '"fast" is not a duration', path: 'spec.indicator.latency.threshold' },
  '25-boolgauge-expression.yaml': { text: 'single series selector', path: 'spec.indicator.boolGauge.selector' },
  '26-bad-groupby-label.yaml': { text: '"route-name" is not a valid Prometheus label name', path: 'spec.groupBy[0]' },
  '27-label-value-number.yaml': { text: 'quote the value', path: 'metadata.labels.team' },
  '28-short-window-not-shorter.yaml': { text: 'must be shorter than the long window', path: 'spec.alerting.tiers[0].short' },
  '29-long-window-over-period.yaml': { text: 'longer than the SLO period', path: 'spec.alerting.tiers[0].long' },
  '30-tier-can-never-fire.yaml': { text: 'tier page-1h-5m can never fire', path: 'spec.objective' },
  '31-runbook-missing.yaml': { text: 'runbook "runbooks/checkout.md" does not exist', path: 'spec.alerting.runbook' },
  '32-runbook-bad-scheme.yaml': { text: 'not a valid http(s) URL', path: 'spec.alerting.runbook' },
  '33-unknown-severity.yaml': { text: 'must be page or ticket', path: 'spec.alerting.tiers[0].severity' },
  '34-maintenance-without-zone.yaml': { text: 'RFC 3339 time with a zone', path: 'spec.maintenance[0].start' },
  '35-wrong-api-version.yaml': { text: 'unknown SLO format (saw apiVersion: "burnwatch/v2"', path: 'apiVersion' },
  '36-wrong-kind.yaml': { text: 'must be SLO', path: 'kind' },
  '37-budget-and-burnrate.yaml': { text: 'budgetPercent or burnRate, not both', path: 'spec.alerting.tiers[0].burnRate' },
  '38-new-tier-without-threshold.yaml': { text: 'a new tier needs budgetPercent or burnRate', path: 'spec.alerting.tiers[0]' },
  '39-min-events-fraction.yaml': { text: 'whole number', path: 'spec.alerting.minEvents' },
  '40-nodata-without-after.yaml': { text: 'did you mean "after"', path: 'spec.alerting.noData.afer' },
  '41-period-number.yaml': { text: 'must be a duration such as 30d or { calendar: month', path: 'spec.period' },
  '42-labels-as-list.yaml': { text: 'must be a map', path: 'metadata.labels' },
  '43-empty-file.yaml': { line: 1, text: 'holds no SLO document' },
  '44-scalar-document.yaml': { line: 1, text: 'expected an SLO object' },
  '45-freeze-below-over-100.yaml': { text: 'must be at most 100%', path: 'spec.policy.freezeBelow', col: 18 },
  '46-freeze-below-bare-number.yaml': { text: 'a percentage needs a % sign', path: 'spec.policy.freezeBelow', col: 18 },
  '47-correction-end-before-start.yaml': { text: 'the end (2026-11-22T01:20:00Z) is not after the start', path: 'spec.end' },
  '48-correction-bad-matcher.yaml': { text: 'bad matcher "service~\\"checkout\\"": expected a label name, one of = != =~ !~', path: 'spec.slos[1]' },
  '49-correction-end-and-duration.yaml': { text: 'give end or duration, not both', path: 'spec.duration' },
  '50-correction-every-minute.yaml': { text: 'at most once an hour (every: 1m)', path: 'spec.every' },
  // A missing field is reported at the map that lacks it.
  '51-correction-without-reason.yaml': { line: 5, text: 'missing required field "reason"', path: 'spec.reason' },
};

function markerLine(file: string): number | undefined {
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes('# <- mistake'));
  return index < 0 ? undefined : index + 1;
}

describe('burnwatch validate on broken SLO files', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

  it('covers at least 25 distinct mistakes, each with an expectation', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  it.each(files)('%s: one located, correct message', (file) => {
    const exp = expected[file];
    expect(exp, `no expectation for ${file}`).toBeDefined();
    if (!exp) return;
    const result = loadSpecs([join(dir, file)], { cwd: repo });
    const errors = result.errors.map((e) => ({ ...e, file: relative(dir, e.file) }));
    expect(errors, JSON.stringify(errors, null, 1)).toHaveLength(1);
    const [error] = errors;
    expect(error?.file).toBe(file);
    const line = exp.line ?? markerLine(file);
    expect(line, 'expected line: a marker or an explicit line').toBeDefined();
    expect(error?.line).toBe(line);
    if (exp.col !== undefined) expect(error?.col).toBe(exp.col);
    if (exp.path !== undefined) expect(error?.path).toBe(exp.path);
    expect(`${error?.message ?? ''} ${error?.hint ?? ''}`).toContain(exp.text);
  });

  it('reports every broken file in one run of a folder, with no crash', () => {
    const result = loadSpecs([dir], { cwd: repo });
    const filesWithErrors = new Set(result.errors.map((e) => relative(dir, e.file)));
    expect([...filesWithErrors].sort()).toEqual(files);
  });
});
