/**
 * Renders series as the OpenMetrics text `promtool tsdb create-blocks-from openmetrics` backfills, avoiding
 * its silent traps: timestamps are written in SECONDS (integer milliseconds would be accepted and land 1000x
 * in the future), samples are sorted per series (an out-of-order sample is dropped without an error), there is
 * no blank line (an error), and the text ends with `# EOF` (required).
 */

export interface OpenMetricsSeries {
  /** Metric name as stored, e.g. `http_requests_total`. */
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Written as `# TYPE`; default `unknown`. */
  readonly type?: 'counter' | 'gauge' | 'unknown';
  readonly help?: string;
  /** [epoch milliseconds (whole), value]; any order, no timestamp twice. */
  readonly samples: readonly (readonly [tsMs: number, value: number])[];
}

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function toOpenMetrics(series: readonly OpenMetricsSeries[]): string {
  const families = new Map<string, OpenMetricsSeries[]>();
  const seen = new Set<string>();
  for (const s of series) {
    if (!METRIC_NAME_RE.test(s.name)) throw new Error(`"${s.name}" is not a valid metric name`);
    const labelText = renderLabels(s.labels ?? {});
    const id = `${s.name}${labelText}`;
    if (seen.has(id)) throw new Error(`series ${id} is given twice: merge its samples into one entry`);
    seen.add(id);
    const family = families.get(s.name);
    if (family === undefined) families.set(s.name, [s]);
    else family.push(s);
  }

  const lines: string[] = [];
  for (const [name, members] of families) {
    const first = members[0];
    const help = members.find((m) => m.help !== undefined)?.help;
    if (help !== undefined) lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${name} ${first?.type ?? 'unknown'}`);
    const rows: { ts: number; order: number; text: string }[] = [];
    members.forEach((member, order) => {
      const labelText = renderLabels(member.labels ?? {});
      const sorted = [...member.samples].sort((a, b) => a[0] - b[0]);
      sorted.forEach(([ts, value], i) => {
        if (!Number.isSafeInteger(ts)) throw new Error(`${name}${labelText}: timestamp ${ts} is not a whole number of milliseconds`);
        if (i > 0 && sorted[i - 1]?.[0] === ts) throw new Error(`${name}${labelText}: two samples at ${new Date(ts).toISOString()}`);
        rows.push({ ts, order, text: `${name}${labelText} ${formatValue(value)} ${formatSeconds(ts)}` });
      });
    });
    rows.sort((a, b) => a.ts - b.ts || a.order - b.order);
    for (const row of rows) lines.push(row.text);
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

export function renderLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const parts = entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => {
      if (!LABEL_NAME_RE.test(k)) throw new Error(`"${k}" is not a valid label name`);
      return `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
    });
  return `{${parts.join(',')}}`;
}

/** OpenMetrics float text: `NaN`, `+Inf`, `-Inf`, else the shortest round-trip decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Epoch ms -> seconds text with the millisecond fraction only when there is one (1795485600500 -> 1795485600.5). */
export function formatSeconds(tsMs: number): string {
  const sign = tsMs < 0 ? '-' : '';
  const abs = Math.abs(tsMs);
  const whole = Math.floor(abs / 1000);
  const frac = abs % 1000;
  return frac === 0 ? `${sign}${whole}` : `${sign}${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}
