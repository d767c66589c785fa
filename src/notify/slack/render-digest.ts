import type { ReportDigest } from '../../report/digest.js';
import { durationText, localTime, percent, sliText } from '../../report/format.js';
import type { SlackBlock, SlackMessage } from './render.js';
import { cutMrkdwn, escapeMrkdwn, SLACK_LIMITS } from './render.js';

/**
 * The Slack message of a report digest (Block Kit): a header, one section per group with its totals, then the
 * SLO instances that missed their objective and the pages of the period. Pure. Names from SLO files are
 * escaped (a display name `<!channel>` is shown, not sent as a ping); long lists are cut to Slack's limits
 * with a count of what was left out.
 */

/** Slack takes at most 50 blocks per message. */
const MAX_BLOCKS = 40;
const MAX_LISTED = 15;

const ms = (seconds: number | null): number | null => (seconds === null ? null : seconds * 1000);

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: cutMrkdwn(text, SLACK_LIMITS.sectionText) } };
}

function instanceName(s: ReportDigest['slos'][number]): string {
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(', ');
  return escapeMrkdwn(`${s.displayName ?? s.id}${labels === '' ? '' : ` {${labels}}`}`);
}

export function renderSlackDigest(d: ReportDigest): SlackMessage {
  const tz = d.timezone;
  const at = (iso: string) => localTime(Date.parse(iso), tz);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: d.title.slice(0, SLACK_LIMITS.headerText) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`${at(d.from)} to ${at(d.to)} (${tz}) · ${d.slos.length} SLO instances · grouped by ${d.groupBy}`) }] },
  ];
  for (const g of d.groups) {
    const lines = [
      `*${escapeMrkdwn(g.key)}*: ${g.met} of ${g.instances} met their objective${g.noData > 0 ? ` (${g.noData} without data)` : ''}`,
      `Pages: ${g.pages}${g.pages > 0 ? ` (mean time to resolve ${durationText(ms(g.pageMttrSeconds))})` : ''} · tickets: ${g.tickets}`,
      `Worst SLI ${sliText(g.worstSli)} · least budget left ${percent(g.worstBudgetRemaining, 1)}${g.exhausted > 0 ? ` · ${g.exhausted} exhausted` : ''}`,
    ];
    blocks.push(section(lines.join('\n')));
  }
  const missed = d.slos.filter((s) => s.budgetSpent !== null && s.budgetSpent > 1);
  if (missed.length > 0) {
    const lines = missed.slice(0, MAX_LISTED).map((s) => `• ${instanceName(s)}: SLI ${sliText(s.sli)} for an objective of ${s.objective} %, ${percent(s.budgetSpent, 0)} of the period's budget spent`);
    if (missed.length > MAX_LISTED) lines.push(`… and ${missed.length - MAX_LISTED} more`);
    blocks.push(section(`*Missed their objective*\n${lines.join('\n')}`));
  }
  const pages = d.slos.flatMap((s) => s.pages.map((p) => ({ s, p }))).sort((a, b) => b.p.durationSeconds - a.p.durationSeconds);
  if (pages.length > 0) {
    const lines = pages.slice(0, MAX_LISTED).map(({ s, p }) => `• ${instanceName(s)}: ${at(p.start)}, ${durationText(p.durationSeconds * 1000)}${p.resolved ? '' : ' (still firing)'}`);
    if (pages.length > MAX_LISTED) lines.push(`… and ${pages.length - MAX_LISTED} more`);
    blocks.push(section(`*Pages, longest first*\n${lines.join('\n')}`));
  }
  if (d.warnings.length > 0) blocks.push(section(`*Warnings*\n${d.warnings.slice(0, 5).map((w) => `• ${escapeMrkdwn(w)}`).join('\n')}`));
  const totalPages = d.groups.reduce((n, g) => n + g.pages, 0);
  const text = escapeMrkdwn(`${d.title}: ${d.slos.length - missed.length} of ${d.slos.length} SLO instances met their objective, ${totalPages} page${totalPages === 1 ? '' : 's'}`);
  return { text, blocks: blocks.slice(0, MAX_BLOCKS) };
}
