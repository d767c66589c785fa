import { periodText, seconds } from './format.js';
import type { Report } from './model.js';

/**
 * `--format csv`: one row per SLO instance under a header, RFC 4180 (CRLF line ends; a field with a comma, a
 * double quote or a line break is quoted, its double quotes doubled). Shares are fractions and durations
 * seconds, as in the JSON; an unknown value is an empty field. Text that a spreadsheet would run as a formula
 * (starting with = + - @ or a tab) gets a leading apostrophe. Pure: quoting is the few lines RFC 4180 asks
 * for, checked in the tests by an independent parser.
 */

export const CSV_COLUMNS = [
  'group', 'slo', 'name', 'service', 'labels', 'objective', 'period', 'sli', 'good', 'total', 'unit',
  'budget_spent', 'budget_remaining', 'time_to_exhaustion_seconds',
  'pages', 'page_firing_seconds', 'page_mttr_seconds', 'tickets', 'ticket_firing_seconds', 'ticket_mttr_seconds',
  'longest_burn_seconds', 'maintenance_occurrences', 'corrections', 'from', 'to',
] as const;

type Cell = string | number | null;

export function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(report: Report): string {
  const rows: Cell[][] = [[...CSV_COLUMNS]];
  const from = new Date(report.range.fromMs).toISOString().replace('.000Z', 'Z');
  const to = new Date(report.range.toMs).toISOString().replace('.000Z', 'Z');
  for (const i of report.instances) {
    const firing = (list: readonly { durationMs: number }[]) => list.reduce((s, e) => s + e.durationMs, 0) / 1000;
    rows.push([
      i.group, i.slo.id, i.slo.name, i.slo.service,
      Object.keys(i.labels).length === 0 ? '' : JSON.stringify(i.labels),
      i.slo.objective, periodText(i.slo), i.sli, i.good, i.total, i.unit,
      i.budgetSpent, i.budgetRemaining, seconds(i.timeToExhaustionMs),
      i.pages.length, firing(i.pages), seconds(i.pageMttrMs), i.tickets.length, firing(i.tickets), seconds(i.ticketMttrMs),
      i.longestBurns[0] === undefined ? 0 : i.longestBurns[0].durationMs / 1000, i.maintenanceCount, i.corrections.length, from, to,
    ]);
  }
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
