import { countText, durationText, labelsText, localTime, objectiveText, percent, periodText, sliText } from './format.js';
import type { EpisodeFigures, GroupTotals, InstanceReport, Report } from './model.js';

/**
 * `--format markdown`: a report to read (and to paste into a wiki or a pull request): a summary per group, a
 * table of every SLO instance, then each instance's pages, tickets, longest burns, maintenance and
 * corrections. Times are in the report's time zone. Text from SLO files is escaped, never markup. Pure.
 */

/**
 * Markdown text: the characters that make emphasis, code, links, HTML or table cells anywhere in a line are
 * escaped (a link needs its `[`, an image its `![`); line breaks become spaces.
 */
export function mdText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_[\]<>|~])/g, '\\$1');
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

export function instanceTitle(i: InstanceReport): string {
  const name = i.slo.displayName ?? i.slo.id;
  const labels = Object.keys(i.labels).length === 0 ? '' : ` {${labelsText(i.labels)}}`;
  return `${name}${labels}`;
}

export function rangeText(report: Report): string {
  const { fromMs, toMs, timezone } = report.range;
  return `${localTime(fromMs, timezone)} to ${localTime(toMs, timezone)} (${timezone})`;
}

export function groupSummaryCells(g: GroupTotals): string[] {
  return [String(g.instances), `${g.met} / ${g.missed}${g.noData > 0 ? ` / ${g.noData} no data` : ''}`, String(g.pages), durationText(g.pageMttrMs), String(g.tickets), sliText(g.worstSli), percent(g.worstBudgetRemaining, 1), String(g.exhausted)];
}

export const GROUP_SUMMARY_HEADER = ['SLO instances', 'Met / missed', 'Pages', 'Page MTTR', 'Tickets', 'Worst SLI', 'Least budget left', 'Exhausted'];

export const INSTANCE_HEADER = ['SLO', 'Objective', 'SLI', 'Budget spent', 'Budget left', 'Time to exhaustion', 'Pages', 'Tickets', 'Page MTTR'];

export function instanceCells(i: InstanceReport, name: string): string[] {
  return [
    name,
    objectiveText(i.slo.objective),
    sliText(i.sli),
    percent(i.budgetSpent, 1),
    percent(i.budgetRemaining, 1),
    i.timeToExhaustionMs === null ? (i.budgetRemaining === null ? '–' : 'not burning') : durationText(i.timeToExhaustionMs),
    String(i.pages.length),
    String(i.tickets.length),
    durationText(i.pageMttrMs),
  ];
}

export const EPISODE_HEADER = ['Start', 'End', 'Duration', 'Budget spent'];

export function episodeCells(e: EpisodeFigures, timezone: string): string[] {
  return [
    `${localTime(e.startMs, timezone)}${e.startedBefore ? ' (began earlier)' : ''}`,
    `${localTime(e.endMs, timezone)}${e.resolved ? '' : ' (still firing)'}`,
    durationText(e.durationMs),
    percent(e.budgetSpent, 1),
  ];
}

export function renderMarkdown(report: Report): string {
  const tz = report.range.timezone;
  const out: string[] = [];
  out.push(`# Error-budget report${report.range.label === undefined ? '' : `: ${mdText(report.range.label)}`}`, '');
  out.push(`- Range: ${rangeText(report)}`);
  out.push(`- Source: ${mdText(report.source)}`);
  out.push(`- Grouped by: ${mdText(report.groupBy)}`);
  out.push(`- SLO instances: ${report.instances.length}`, '');
  for (const w of report.warnings) out.push(`> Warning: ${mdText(w)}`, '');
  out.push('## Summary', '');
  out.push(...table([report.groupBy === 'service' ? 'Service' : mdText(report.groupBy), ...GROUP_SUMMARY_HEADER], report.groups.map((g) => [mdText(g.key), ...groupSummaryCells(g)])), '');
  out.push('Met: the range\'s bad events stayed within its error budget (budget spent at most 100 %). Budget left: of the SLO\'s period, at the end of the range.', '');
  for (const g of report.groups) {
    const members = report.instances.filter((i) => i.group === g.key);
    out.push(`## ${mdText(g.key)}`, '');
    out.push(...table(INSTANCE_HEADER, members.map((i) => instanceCells(i, mdText(instanceTitle(i))))), '');
    for (const i of members) out.push(...instanceSection(i, tz));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function instanceSection(i: InstanceReport, tz: string): string[] {
  const out: string[] = [`### ${mdText(instanceTitle(i))}`, ''];
  const { slo } = i;
  out.push(`- Objective ${objectiveText(slo.objective)} over ${mdText(periodText(slo))} (${mdText(slo.source.file)})`);
  out.push(`- SLI over the range: ${sliText(i.sli)} (${countText(i.good)} good of ${countText(i.total)} ${i.unit})`);
  out.push(`- Error budget spent in the range: ${percent(i.budgetSpent, 1)}; left in the period at the end: ${percent(i.budgetRemaining, 1)}; time to exhaustion: ${i.timeToExhaustionMs === null ? (i.budgetRemaining === null ? 'unknown' : 'not burning') : durationText(i.timeToExhaustionMs)}`);
  for (const w of i.warnings) out.push(`- Warning: ${mdText(w)}`);
  out.push('');
  for (const [title, list, mttr] of [['Pages', i.pages, i.pageMttrMs], ['Tickets', i.tickets, i.ticketMttrMs]] as const) {
    if (list.length === 0) {
      out.push(`${title}: none.`, '');
      continue;
    }
    out.push(`${title}: ${list.length}, mean time to resolve ${durationText(mttr)}.`, '');
    out.push(...table(EPISODE_HEADER, list.map((e) => episodeCells(e, tz))), '');
  }
  if (i.longestBurns.length > 0) {
    out.push('Longest burn episodes:', '');
    out.push(...table(['Severity', ...EPISODE_HEADER], i.longestBurns.map((e) => [e.severity, ...episodeCells(e, tz)])), '');
  }
  if (i.maintenanceCount === 0) out.push('Maintenance: none.', '');
  else {
    out.push(`Maintenance: ${i.maintenanceCount} occurrence${i.maintenanceCount === 1 ? '' : 's'}${i.maintenanceCount > i.maintenance.length ? ` (the first ${i.maintenance.length} listed)` : ''}.`, '');
    out.push(...table(['Start', 'End', 'Reason'], i.maintenance.map((m) => [localTime(m.startMs, tz), localTime(m.endMs, tz), mdText(m.reason)])), '');
  }
  if (i.corrections.length === 0) out.push('Corrections: none.', '');
  else {
    out.push(`Corrections: ${i.corrections.length}.`, '');
    out.push(...table(['Name', 'Start', 'End', 'Reason'], i.corrections.map((c) => [mdText(c.name), localTime(c.startMs, tz), localTime(c.endMs, tz), mdText(c.reason)])), '');
  }
  return out;
}
