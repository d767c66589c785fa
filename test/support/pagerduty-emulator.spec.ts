import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPagerDutyEmulator } from './pagerduty-emulator.js';
import type { PagerDutyEmulator } from './pagerduty-emulator.js';

/** The PagerDuty emulator answers raw Events API v2 requests over HTTPS the way PagerDuty documents. */

const KEY = 'abcdefghijklmnopqrstuvwxyz012345';

async function post(emulator: PagerDutyEmulator, body: string): Promise<{ status: number; type: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: emulator.port, path: '/v2/enqueue', method: 'POST', ca: emulator.caCert, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const trigger = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ routing_key: KEY, event_action: 'trigger', dedup_key: 'd1', payload: { summary: 's', source: 'src', severity: 'critical' }, ...extra });

describe('pagerduty emulator', () => {
  let emulator: PagerDutyEmulator;
  beforeAll(async () => {
    emulator = await startPagerDutyEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('accepts a trigger with 202 and opens an alert; resolve closes it', async () => {
    expect(await post(emulator, trigger())).toEqual({ status: 202, type: 'application/json', json: { status: 'success', message: 'Event processed', dedup_key: 'd1' } });
    expect(emulator.incidentsFor('d1')).toMatchObject([{ status: 'triggered', triggers: 1 }]);
    expect((await post(emulator, JSON.stringify({ routing_key: KEY, event_action: 'resolve', dedup_key: 'd1' }))).status).toBe(202);
    expect(emulator.incidentsFor('d1')).toMatchObject([{ status: 'resolved' }]);
  });

  it('accepts and drops a resolve for an unknown key', async () => {
    expect((await post(emulator, JSON.stringify({ routing_key: KEY, event_action: 'resolve', dedup_key: 'never-seen' }))).json).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'never-seen' });
    expect(emulator.incidentsFor('never-seen')).toEqual([]);
  });

  it('generates a dedup_key for a trigger without one', async () => {
    const answer = await post(emulator, JSON.stringify({ routing_key: KEY, event_action: 'trigger', payload: { summary: 's', source: 'src', severity: 'info' } }));
    expect(answer.json).toMatchObject({ status: 'success', dedup_key: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it("refuses a short routing key with PagerDuty's own messages", async () => {
    expect(await post(emulator, JSON.stringify({ routing_key: 'short-key!', event_action: 'trigger', payload: { summary: 's', source: 'src', severity: 'critical' } }))).toEqual({
      status: 400,
      type: 'application/json',
      json: {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["Length of 'routing_key' is incorrect (should be 32 characters)", "'routing_key' cannot contain non-alphanumeric characters."],
      },
    });
  });

  it.each([
    [trigger({ payload: { source: 'src', severity: 'critical' } }), "'payload.summary' is missing or blank"],
    [trigger({ payload: { summary: 'x'.repeat(1025), source: 'src', severity: 'critical' } }), "'payload.summary' is longer than 1024 characters"],
    [trigger({ payload: { summary: 's', source: 'src', severity: 'high' } }), "'payload.severity' must be one of critical, error, warning, info"],
    [trigger({ dedup_key: 'k'.repeat(256) }), "'dedup_key' must be a string of at most 255 characters"],
    [trigger({ links: [{ text: 'no href' }] }), "'links' must be a list of objects with an 'href'"],
    [JSON.stringify({ routing_key: KEY, event_action: 'resolve' }), "'dedup_key' is required for resolve"],
    [JSON.stringify({ routing_key: KEY, event_action: 'close', dedup_key: 'd' }), "'event_action' is missing or invalid (trigger, acknowledge or resolve)"],
  ])('refuses %s', async (body, error) => {
    const answer = await post(emulator, body);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ status: 'invalid event', errors: [error] });
  });

  it('answers a body that is not JSON with a JSON 400', async () => {
    expect(await post(emulator, 'not json')).toEqual({ status: 400, type: 'application/json', json: { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] } });
  });

  it('answers scripted 429 and 500 with JSON bodies', async () => {
    emulator.failNext({ kind: 'rate-limited', retryAfterSeconds: 9 });
    emulator.failNext({ kind: 'http', status: 500 });
    const limited = await post(emulator, trigger());
    expect(limited).toMatchObject({ status: 429, type: 'application/json' });
    const failed = await post(emulator, trigger());
    expect(failed).toMatchObject({ status: 500, type: 'application/json', json: { status: 'error' } });
  });
});
