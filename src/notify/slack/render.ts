import {
  alertIdentity,
  alertSubject,
  extraAnnotations,
  firingHeadline,
  formatFractionPercent,
  formatHumanDuration,
  formatObjective,
  formatTier,
  formatTimeToExhaustion,
  formatUtc,
  firedForMs,
  kindTitle,
  resolvedSummary,
  sloTitle,
  truncateText,
} from '../alert-text.js';
import type { AlertNotification } from '../notifier.js';

/**
 * Slack messages (Block Kit) for an alert. Pure: the notification in, the `text` + `blocks` of
 * chat.postMessage / chat.update out.
 *
 * Injection: every value that comes from labels, annotations or SLO files goes through `escapeMrkdwn`
 * (`&`, `<`, `>`, the only characters Slack's mrkdwn treats specially for links and mentions) or into a
 * `plain_text` object, so a label value `<!channel>` is shown, not sent as a ping. That includes the
 * top-level `text`, which Slack parses like mrkdwn and uses for notifications. The only unescaped markup is
 * ours (links we build from http(s) URLs) and the operator's `mentions` from the receiver config.
 *
 * Limits (docs.slack.dev Block Kit): header text 150, section text 3000, at most 10 fields of 2000 each;
 * escaped text is cut with `…` without leaving half an entity (`&am`) or half a link behind.
 */

export interface PlainTextObject {
  readonly type: 'plain_text';
  readonly text: string;
}

export interface MrkdwnObject {
  readonly type: 'mrkdwn';
  readonly text: string;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: PlainTextObject }
  | { readonly type: 'section'; readonly text: MrkdwnObject }
  | { readonly type: 'section'; readonly fields: readonly MrkdwnObject[] }
  | { readonly type: 'context'; readonly elements: readonly MrkdwnObject[] };

export interface SlackMessage {
  /** Notification / fallback text (mrkdwn, escaped). */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextText: 3000,
  /** Slack truncates `text` beyond 40,000 characters; a notification line needs far less. */
  fallbackText: 3000,
} as const;

/** Escapes the three characters mrkdwn gives meaning to (`&` first). Nothing else is HTML-encoded. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts already-escaped mrkdwn to `limit`, never leaving a partial entity (`&am`) before the `…`. */
export function cutMrkdwn(escaped: string, limit: number): string {
  if (escaped.length <= limit) return escaped;
  const cut = truncateText(escaped, limit);
  return `${cut.slice(0, -1).replace(/&[a-z]{0,3}$/, '')}…`;
}

/** The URL part of a mrkdwn link for an http(s) URL, or undefined for anything else (no `javascript:`, no `<!...>`). */
function linkTarget(url: string | undefined): string | undefined {
  if (url === undefined || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  // `|` would end the URL part of the link; `<`, `>`, `&` are escaped like any text.
  return escapeMrkdwn(url).replace(/\|/g, '%7C');
}

/** A mrkdwn link to an http(s) URL, or undefined for anything else (no `javascript:`, no `<!...>`). */
export function mrkdwnLink(url: string | undefined, label: string): string | undefined {
  const target = linkTarget(url);
  return target === undefined ? undefined : `<${target}|${escapeMrkdwn(label)}>`;
}

/** A mrkdwn link that shows the URL itself (`<https://...>`), or undefined for anything but http(s). */
export function mrkdwnUrl(url: string | undefined): string | undefined {
  const target = linkTarget(url);
  return target === undefined ? undefined : `<${target}>`;
}

function plain(text: string, limit: number): PlainTextObject {
  return { type: 'plain_text', text: truncateText(text, limit) };
}

function mrkdwn(text: string): MrkdwnObject {
  return { type: 'mrkdwn', text };
}

/** A field `*Label*\nvalue` with the value escaped and cut to fit. */
function field(label: string, value: string): MrkdwnObject {
  const head = `*${label}*\n`;
  return mrkdwn(head + cutMrkdwn(escapeMrkdwn(value), SLACK_LIMITS.fieldText - head.length));
}

/** A section with a bold title and escaped body, cut to the section limit. */
function textSection(title: string, escapedBody: string): SlackBlock {
  const head = `*${title}*\n`;
  return { type: 'section', text: mrkdwn(head + cutMrkdwn(escapedBody, SLACK_LIMITS.sectionText - head.length)) };
}

/**
 * Joins whole lines while they fit in `limit` (with `…` when some are left out): used for text that holds
 * links, which must not be cut in the middle.
 */
function fitLines(lines: readonly string[], separator: string, limit: number): string {
  let out = '';
  for (const line of lines) {
    const next = out === '' ? line : `${out}${separator}${line}`;
    if (next.length > limit - 2) return out === '' ? '…' : `${out}${separator}…`;
    out = next;
  }
  return out;
}

function formatPairs(record: Readonly<Record<string, string>>): string {
  return Object.entries(record)
    .map(([key, value]) => `${escapeMrkdwn(key)}=${escapeMrkdwn(value)}`)
    .join(', ');
}

function linksBlock(n: AlertNotification): SlackBlock | undefined {
  const page = mrkdwnLink(n.links.sloPage, 'SLO status page');
  const parts: string[] = page === undefined ? [] : [page];
  const runbook = mrkdwnLink(n.links.runbook, 'Runbook');
  if (runbook !== undefined) parts.push(runbook);
  else if (n.links.runbookPath !== undefined) parts.push(`Runbook: ${cutMrkdwn(escapeMrkdwn(n.links.runbookPath), 500)}`);
  const sli = mrkdwnLink(n.links.sliQuery, 'SLI query (Prometheus)');
  if (sli !== undefined) parts.push(sli);
  const dashboard = mrkdwnLink(n.links.dashboard, 'Dashboard');
  if (dashboard !== undefined) parts.push(dashboard);
  if (parts.length === 0) return undefined;
  return { type: 'section', text: mrkdwn(fitLines(parts, ' · ', SLACK_LIMITS.sectionText)) };
}

function commonFields(n: AlertNotification): MrkdwnObject[] {
  return [
    field('SLO', n.slo.id),
    field('Service', n.slo.service),
    field('Severity', n.severity),
    field('Objective', `${formatObjective(n.slo.objective)} over ${n.slo.period}`),
  ];
}

function instanceBlock(n: AlertNotification): SlackBlock | undefined {
  return Object.keys(n.instance).length === 0 ? undefined : textSection('Instance', formatPairs(n.instance));
}

function descriptionBlock(n: AlertNotification): SlackBlock | undefined {
  return n.slo.description === undefined || n.slo.description === '' ? undefined : textSection('Description', escapeMrkdwn(n.slo.description));
}

function contextBlock(text: string): SlackBlock {
  return { type: 'context', elements: [mrkdwn(cutMrkdwn(text, SLACK_LIMITS.contextText))] };
}

function present(blocks: readonly (SlackBlock | undefined)[]): SlackBlock[] {
  return blocks.filter((b): b is SlackBlock => b !== undefined);
}

/**
 * The message for a firing alert. `mentions` (from the receiver config, e.g. `<!subteam^S0123ABC>`) is
 * put in front of the text and in its own section, unescaped: it is the operator's markup, not data.
 */
export function renderSlackFiring(n: AlertNotification, mentions?: string): SlackMessage {
  const title = sloTitle(n);
  const severity = n.severity.toUpperCase();

  const tierLines = n.tiers.map((tier) => `• *${escapeMrkdwn(tier.name)}*${tier.active ? ' (firing)' : ''}: ${escapeMrkdwn(formatTier(tier))}`);
  const annotationLines = Object.entries(extraAnnotations(n)).map(([key, value]) => `*${escapeMrkdwn(key)}*: ${escapeMrkdwn(value)}`);

  const blocks = present([
    { type: 'header', text: plain(`${severity} · ${kindTitle(n.kind)} · ${title}`, SLACK_LIMITS.headerText) },
    mentions === undefined ? undefined : { type: 'section', text: mrkdwn(mentions) },
    {
      type: 'section',
      fields: [
        ...commonFields(n),
        field('Budget remaining', formatFractionPercent(n.budget.remaining)),
        field('Time to exhaustion', formatTimeToExhaustion(n.budget.timeToExhaustionMs)),
      ],
    },
    tierLines.length === 0 ? undefined : textSection('Burn rate (long / short window, threshold)', tierLines.join('\n')),
    instanceBlock(n),
    annotationLines.length === 0 ? undefined : textSection('Annotations', annotationLines.join('\n')),
    descriptionBlock(n),
    linksBlock(n),
    contextBlock(`Started ${formatUtc(n.startsAt)} · ${escapeMrkdwn(alertIdentity(n))}`),
  ]);

  const runbook = runbookSuffix(n);
  const room = SLACK_LIMITS.fallbackText - runbook.length - (mentions === undefined ? 0 : mentions.length + 1);
  const line = `${cutMrkdwn(escapeMrkdwn(firingHeadline(n)), room)}${runbook}`;
  return { text: mentions === undefined ? line : `${mentions} ${line}`, blocks };
}

/**
 * The runbook at the end of the notification text: `. Runbook: <https://...>` with the URL itself, because
 * a phone's notification shows the text without link labels; the path as written when there is no base
 * URL to make it a link; nothing without a runbook. A URL too long for the text is left to the blocks.
 */
function runbookSuffix(n: AlertNotification): string {
  const url = mrkdwnUrl(n.links.runbook);
  if (url !== undefined && url.length <= SLACK_LIMITS.fallbackText / 2) return `. Runbook: ${url}`;
  if (n.links.runbookPath !== undefined) return `. Runbook: ${cutMrkdwn(escapeMrkdwn(n.links.runbookPath), 500)}`;
  return '';
}

/** The message that replaces the firing one (chat.update) or is posted when there is none to edit. */
export function renderSlackResolved(n: AlertNotification): SlackMessage {
  const title = sloTitle(n);
  const firedFor = firedForMs(n);
  const resolvedAt = n.endsAt ?? n.createdAt;

  const blocks = present([
    { type: 'header', text: plain(`RESOLVED · ${kindTitle(n.kind)} · ${title}`, SLACK_LIMITS.headerText) },
    {
      type: 'section',
      fields: [
        ...commonFields(n),
        field('Fired for', firedFor === undefined ? 'unknown' : formatHumanDuration(firedFor)),
        field('Budget spent', n.resolution === undefined ? 'unknown' : formatFractionPercent(n.resolution.budgetSpent)),
        field('Budget remaining', formatFractionPercent(n.budget.remaining)),
      ],
    },
    instanceBlock(n),
    descriptionBlock(n),
    linksBlock(n),
    contextBlock(`Started ${formatUtc(n.startsAt)} · resolved ${formatUtc(resolvedAt)} · ${escapeMrkdwn(alertIdentity(n))}`),
  ]);

  const left = `${formatFractionPercent(n.budget.remaining)} of the budget left`;
  const text = cutMrkdwn(escapeMrkdwn(`[RESOLVED] ${alertSubject(n)}: ${kindTitle(n.kind)} (${n.severity}) ${resolvedSummary(n)}; ${left}`), SLACK_LIMITS.fallbackText);
  return { text, blocks };
}

/** The short reply posted in the thread of the firing message on resolve. */
export function renderSlackResolvedReply(n: AlertNotification): string {
  const summary = resolvedSummary(n);
  return escapeMrkdwn(`${summary.charAt(0).toUpperCase()}${summary.slice(1)}.`);
}
