import { describe, expect, it } from 'vitest';
import { contractNotification } from '../contract.js';
import type { AlertNotification } from '../notifier.js';
import { SLACK_LIMITS, cutMrkdwn, escapeMrkdwn, mrkdwnLink, renderSlackFiring, renderSlackResolved, renderSlackResolvedReply } from './render.js';
import type { SlackBlock } from './render.js';

/**
 * Expected payloads are written by hand from the message design (header, fields, tiers, instance,
 * annotations, description, links, context) and Slack's escaping rules (api.slack.com formatting#escaping:
 * `&` -> `&amp;`, `<` -> `&lt;`, `>` -> `&gt;`), not copied from the renderer's output.
 */

/** Values an attacker controls (labels, annotations, SLO text) that try to ping or to hide a link. */
const hostile: AlertNotification = contractNotification({
  alertKey: 'checkout-availability/route="/cart",tenant="<!channel>"/burn/page',
  slo: {
    id: 'checkout-availability',
    name: 'availability',
    service: 'checkout & payments',
    displayName: 'Checkout <availability>',
    description: 'Errors <!channel> & <@U123> see <http://evil.example|click>',
    objective: 99.9,
    period: '30d',
  },
  instance: { route: '/cart', tenant: '<!channel>' },
  annotations: { summary: 'the engine summary, which repeats the text', impact: 'ping <@U123> & <http://evil|click>' },
});

const resolved: AlertNotification = {
  ...hostile,
  status: 'resolved',
  endsAt: new Date('2026-01-01T13:06:00Z'),
  resolution: { firedForMs: 65 * 60_000, budgetSpent: 0.021 },
  budget: { remaining: 0.604, timeToExhaustionMs: null },
  createdAt: new Date('2026-01-01T13:06:00Z'),
};

const LINKS = '<https://runbooks.example.com/checkout/availability|Runbook> · <http://prometheus.example.com:9090/graph?g0.expr=slo%3Asli_error%3Aratio_rate1h&amp;g0.tab=0|SLI query (Prometheus)>';
const CONTEXT_KEY = 'checkout-availability{route="/cart", tenant="&lt;!channel&gt;"}/page';
const RUNBOOK = '<https://runbooks.example.com/checkout/availability>';

function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(allStrings);
  return [];
}

function sectionTexts(blocks: readonly SlackBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && 'text' in b ? [b.text.text] : []));
}

describe('renderSlackFiring', () => {
  it('builds the whole message, escaping every value from labels, annotations and SLO files', () => {
    expect(renderSlackFiring(hostile, '<!subteam^S123>')).toEqual({
      text: '<!subteam^S123> [PAGE] Checkout &lt;availability&gt; (checkout-availability, route=/cart, tenant=&lt;!channel&gt;): ' +
        `error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left. Runbook: ${RUNBOOK}`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'PAGE · error budget burn · Checkout <availability>' } },
        { type: 'section', text: { type: 'mrkdwn', text: '<!subteam^S123>' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*SLO*\ncheckout-availability' },
            { type: 'mrkdwn', text: '*Service*\ncheckout &amp; payments' },
            { type: 'mrkdwn', text: '*Severity*\npage' },
            { type: 'mrkdwn', text: '*Objective*\n99.9% over 30d' },
            { type: 'mrkdwn', text: '*Budget remaining*\n62.5%' },
            { type: 'mrkdwn', text: '*Time to exhaustion*\n2d 4h' },
          ],
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Burn rate (long / short window, threshold)*\n• *page-1h-5m* (firing): 14.9x / 16.2x (&gt; 14.4x) over 1h/5m\n• *page-6h-30m*: 5.1x / 4.8x (&gt; 6x) over 6h/30m',
          },
        },
        { type: 'section', text: { type: 'mrkdwn', text: '*Instance*\nroute=/cart, tenant=&lt;!channel&gt;' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Annotations*\n*impact*: ping &lt;@U123&gt; &amp; &lt;http://evil|click&gt;' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Description*\nErrors &lt;!channel&gt; &amp; &lt;@U123&gt; see &lt;http://evil.example|click&gt;' } },
        { type: 'section', text: { type: 'mrkdwn', text: LINKS } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `Started 2026-01-01 12:01 UTC · ${CONTEXT_KEY}` }] },
      ],
    });
  });

  it('leaves no mention or foreign link anywhere in the payload, the text included', () => {
    const strings = allStrings(renderSlackFiring(hostile));
    for (const s of strings) {
      expect(s).not.toContain('<!channel>');
      expect(s).not.toContain('<@U123>');
      expect(s).not.toContain('<http://evil');
    }
  });

  it('has no mentions section and no mention in the text when none is configured', () => {
    const message = renderSlackFiring(hostile);
    expect(message.text.startsWith('[PAGE] ')).toBe(true);
    expect(message.blocks.filter((b) => b.type === 'section' && 'text' in b && b.text.text.includes('subteam'))).toEqual([]);
  });

  it('describes a no-data alert without tiers', () => {
    const message = renderSlackFiring({ ...contractNotification(), kind: 'nodata', tiers: [], budget: { remaining: 0.9, timeToExhaustionMs: null } });
    expect(message.text).toBe(`[PAGE] Checkout availability (checkout-availability, route=/cart): no data: the SLI queries return no samples, so the SLO cannot be evaluated. Runbook: ${RUNBOOK}`);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'PAGE · no data · Checkout availability' } });
    expect(sectionTexts(message.blocks).some((t) => t.startsWith('*Burn rate'))).toBe(false);
    expect(allStrings(message.blocks)).toContain('*Time to exhaustion*\nnot burning');
  });

  it('shows the runbook path when the runbook is not an http(s) URL', () => {
    const message = renderSlackFiring(contractNotification({ links: { runbook: 'javascript:alert(1)', runbookPath: 'runbooks/<x>.md' } }));
    expect(sectionTexts(message.blocks)).toContain('Runbook: runbooks/&lt;x&gt;.md');
    expect(message.text.endsWith('of the budget left. Runbook: runbooks/&lt;x&gt;.md')).toBe(true);
    expect(allStrings(message).some((s) => s.includes('javascript:'))).toBe(false);
  });

  it('ends the text with the numbers when the SLO has no runbook', () => {
    const message = renderSlackFiring(contractNotification({ links: {} }));
    expect(message.text).toBe('[PAGE] Checkout availability (checkout-availability, route=/cart): error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left');
  });

  it('shows the description once: not again among the annotations, nor the summary or runbook annotations', () => {
    const message = renderSlackFiring(contractNotification({
      annotations: { summary: 'the engine summary', description: 'Share of checkout requests answered without a 5xx.', runbook_url: 'https://runbooks.example.com/checkout/availability', team: 'payments' },
    }));
    expect(JSON.stringify(message.blocks).split('Share of checkout requests answered without a 5xx.')).toHaveLength(2);
    expect(sectionTexts(message.blocks)).toContain('*Annotations*\n*team*: payments');
  });
});

describe('renderSlackResolved', () => {
  it('builds the whole replacement message', () => {
    expect(renderSlackResolved(resolved)).toEqual({
      text: '[RESOLVED] Checkout &lt;availability&gt; (checkout-availability, route=/cart, tenant=&lt;!channel&gt;): ' +
        'error budget burn (page) resolved after 1h 5m; it spent 2.1% of the error budget; 60.4% of the budget left',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'RESOLVED · error budget burn · Checkout <availability>' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*SLO*\ncheckout-availability' },
            { type: 'mrkdwn', text: '*Service*\ncheckout &amp; payments' },
            { type: 'mrkdwn', text: '*Severity*\npage' },
            { type: 'mrkdwn', text: '*Objective*\n99.9% over 30d' },
            { type: 'mrkdwn', text: '*Fired for*\n1h 5m' },
            { type: 'mrkdwn', text: '*Budget spent*\n2.1%' },
            { type: 'mrkdwn', text: '*Budget remaining*\n60.4%' },
          ],
        },
        { type: 'section', text: { type: 'mrkdwn', text: '*Instance*\nroute=/cart, tenant=&lt;!channel&gt;' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Description*\nErrors &lt;!channel&gt; &amp; &lt;@U123&gt; see &lt;http://evil.example|click&gt;' } },
        { type: 'section', text: { type: 'mrkdwn', text: LINKS } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `Started 2026-01-01 12:01 UTC · resolved 2026-01-01 13:06 UTC · ${CONTEXT_KEY}` }] },
      ],
    });
  });

  it('writes a short thread reply', () => {
    expect(renderSlackResolvedReply(resolved)).toBe('Resolved after 1h 5m; it spent 2.1% of the error budget.');
  });

  it('says "unknown" when the notification does not say how long the alert fired', () => {
    const { resolution: _r, endsAt: _e, ...rest } = resolved;
    const strings = allStrings(renderSlackResolved(rest));
    expect(strings).toContain('*Fired for*\nunknown');
    expect(strings).toContain('*Budget spent*\nunknown');
    expect(renderSlackResolvedReply(rest)).toBe('Resolved.');
  });
});

describe('Slack limits', () => {
  const huge = 'x'.repeat(10_000);

  it('cuts the header to 150 characters', () => {
    const message = renderSlackFiring(contractNotification({ slo: { ...contractNotification().slo, displayName: huge } }));
    const header = message.blocks[0];
    expect(header?.type).toBe('header');
    const text = header?.type === 'header' ? header.text.text : '';
    expect(text).toHaveLength(150);
    expect(text.endsWith('x…')).toBe(true);
  });

  it('cuts section text to 3000 and fields to 2000 without splitting an entity', () => {
    const message = renderSlackFiring(contractNotification({
      slo: { ...contractNotification().slo, service: '&'.repeat(3000), description: '<'.repeat(5000) },
      instance: { tenant: '>'.repeat(5000) },
    }));
    const fields = message.blocks.flatMap((b) => (b.type === 'section' && 'fields' in b ? b.fields : []));
    expect(fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
    for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    const service = fields.find((f) => f.text.startsWith('*Service*'))?.text ?? '';
    expect(service).toMatch(/^\*Service\*\n(&amp;)+…$/);
    for (const text of sectionTexts(message.blocks)) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(sectionTexts(message.blocks).find((t) => t.startsWith('*Description*'))).toMatch(/^\*Description\*\n(&lt;)+…$/);
    expect(sectionTexts(message.blocks).find((t) => t.startsWith('*Instance*'))).toMatch(/^\*Instance\*\ntenant=(&gt;)+…$/);
  });

  it('drops a link that does not fit instead of cutting it', () => {
    const longUrl = `https://grafana.example.com/d/x?q=${'a'.repeat(4000)}`;
    const message = renderSlackFiring(contractNotification({ links: { runbook: 'https://runbooks.example.com/r', sliQuery: longUrl } }));
    expect(sectionTexts(message.blocks)).toContain('<https://runbooks.example.com/r|Runbook> · …');
  });

  it('keeps the fallback text short', () => {
    const message = renderSlackFiring(contractNotification({ slo: { ...contractNotification().slo, displayName: '<'.repeat(5000) } }), '<!here>');
    expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
    expect(message.text).toMatch(/^<!here> \[PAGE\] (&lt;)+…\. Runbook: <https:\/\/runbooks\.example\.com\/checkout\/availability>$/);
  });

  it('leaves a runbook URL too long for the text to the links section', () => {
    const long = `https://runbooks.example.com/${'r'.repeat(2000)}`;
    const message = renderSlackFiring(contractNotification({ links: { runbook: long } }));
    expect(message.text).toBe('[PAGE] Checkout availability (checkout-availability, route=/cart): error budget burn 14.9x over 1h (threshold 14.4x), 62.5% of the budget left');
    expect(sectionTexts(message.blocks)).toContain(`<${long}|Runbook>`);
  });
});

describe('escaping helpers', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['a & b', 'a &amp; b'],
    ['&amp;', '&amp;amp;'],
    ['<http://evil|click>', '&lt;http://evil|click&gt;'],
    ['*bold* _it_ `code` "q" \'s\'', '*bold* _it_ `code` "q" \'s\''],
  ])('escapeMrkdwn(%j) = %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it.each([
    ['a&amp;b', 4, 'a…'],
    ['abc&lt;def', 6, 'abc…'],
    ['abc&lt;def', 8, 'abc&lt;…'],
    ['short', 10, 'short'],
  ])('cutMrkdwn(%j, %i) = %j', (input, limit, expected) => {
    expect(cutMrkdwn(input, limit)).toBe(expected);
  });

  it('links only http(s) URLs and keeps | out of the URL part', () => {
    expect(mrkdwnLink('https://x.example/a|b?c=1&d=<2>', 'Run <book>')).toBe('<https://x.example/a%7Cb?c=1&amp;d=&lt;2&gt;|Run &lt;book&gt;>');
    expect(mrkdwnLink('javascript:alert(1)', 'x')).toBeUndefined();
    expect(mrkdwnLink('<!channel>', 'x')).toBeUndefined();
    expect(mrkdwnLink(undefined, 'x')).toBeUndefined();
  });
});
