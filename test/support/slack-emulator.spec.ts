import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackEmulator } from './slack-emulator.js';
import type { SlackEmulator } from './slack-emulator.js';

/** The Slack emulator answers raw Web API requests the way Slack documents (api.slack.com/methods/chat.*). */

const TOKEN = 'xoxb-test-token';

async function call(emulator: SlackEmulator, method: string, form: Record<string, string>, token: string | null = TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('slack emulator', () => {
  let emulator: SlackEmulator;
  beforeAll(async () => {
    emulator = await startSlackEmulator({ token: TOKEN });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('checks the bearer token', async () => {
    expect((await call(emulator, 'chat.postMessage', { channel: '#alerts', text: 'x' }, null)).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await call(emulator, 'chat.postMessage', { channel: '#alerts', text: 'x' }, 'xoxb-wrong')).body).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('posts with a unique string ts and answers with the channel ID', async () => {
    const a = await call(emulator, 'chat.postMessage', { channel: '#alerts', text: 'one' });
    const b = await call(emulator, 'chat.postMessage', { channel: 'C0ALERTS01', text: 'two' });
    expect(a.body).toMatchObject({ ok: true, channel: 'C0ALERTS01', ts: expect.stringMatching(/^\d{10}\.\d{6}$/), message: { text: 'one', type: 'message' } });
    expect(b.body.ts).not.toBe(a.body.ts);
  });

  it('updates only an existing message, addressed by channel ID and ts', async () => {
    const posted = await call(emulator, 'chat.postMessage', { channel: '#alerts', text: 'before' });
    const ts = String(posted.body.ts);
    expect((await call(emulator, 'chat.update', { channel: 'C0ALERTS01', ts: '1.000001', text: 'x' })).body).toEqual({ ok: false, error: 'message_not_found' });
    const updated = await call(emulator, 'chat.update', { channel: 'C0ALERTS01', ts, text: 'after', blocks: '[{"type":"section","text":{"type":"mrkdwn","text":"b"}}]' });
    expect(updated.body).toMatchObject({ ok: true, channel: 'C0ALERTS01', ts, text: 'after' });
    const stored = emulator.messages.find((m) => m.ts === ts);
    expect(stored?.text).toBe('after');
    expect(stored?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'b' } }]);
  });

  it.each([
    [{ channel: '#nope', text: 'x' }, 'channel_not_found'],
    [{ channel: '#alerts' }, 'no_text'],
    [{ channel: '#alerts', text: 'x'.repeat(40_001) }, 'msg_too_long'],
    [{ channel: '#alerts', blocks: 'not json' }, 'invalid_blocks_format'],
    [{ channel: '#alerts', blocks: JSON.stringify([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }]) }, 'invalid_blocks'],
    [{ channel: '#alerts', blocks: JSON.stringify([{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }]) }, 'invalid_blocks'],
    [{ channel: '#alerts', blocks: JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }]) }, 'invalid_blocks'],
  ])('refuses %j with %s', async (form, error) => {
    const answer = await call(emulator, 'chat.postMessage', form);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: false, error });
  });

  it('plays scripted failures in order, then answers normally again', async () => {
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 3 });
    emulator.failNext({ kind: 'platform', error: 'fatal_error' });
    const limited = await fetch(`${emulator.apiUrl}chat.postMessage`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: 'channel=%23alerts&text=x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    await limited.body?.cancel();
    expect((await call(emulator, 'chat.postMessage', { channel: '#alerts', text: 'x' })).body).toEqual({ ok: false, error: 'fatal_error' });
    expect((await call(emulator, 'chat.postMessage', { channel: '#alerts', text: 'x' })).body.ok).toBe(true);
  });
});
