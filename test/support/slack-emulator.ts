import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A local Slack Web API for tests, wire-exact for what burnwatch uses (`chat.postMessage`, `chat.update`),
 * on 127.0.0.1 only. Facts it follows (reference: Slack API docs; verified with @slack/web-api 8.2.0):
 * - requests are `POST /api/<method>` with `application/x-www-form-urlencoded` bodies in which non-scalar
 *   arguments (`blocks`) are JSON strings; a JSON body (`application/json`) is accepted too;
 * - the token comes as `Authorization: Bearer <token>` (or a `token` form field): `not_authed` without
 *   one, `invalid_auth` for a wrong one;
 * - answers are HTTP 200 `{"ok":true,"channel":"C..","ts":"<string>","message":{...}}` or
 *   `{"ok":false,"error":"<code>"}`; `channel` in the answer is the ID even when a name was sent; `ts` is a
 *   unique string;
 * - chat.update needs the channel ID and the `ts` of an existing message (`message_not_found` otherwise);
 * - Block Kit limits: header text <= 150, section text <= 3000, <= 10 fields of <= 2000 (`invalid_blocks`),
 *   `text` <= 40,000 (`msg_too_long`), text or blocks required (`no_text`).
 *
 * Failures are scripted with `failNext`: each scripted answer replaces the real one for one request.
 */

export interface SlackEmulatorOptions {
  /** The bot token the emulator accepts. */
  readonly token: string;
  /** Channels by name (without `#`) -> ID. Default: `{ alerts: 'C0ALERTS01' }`. */
  readonly channels?: Readonly<Record<string, string>>;
}

export type SlackFailure =
  /** HTTP 429 with `Retry-After: <seconds>` (omit for none). */
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds?: number }
  /** Any HTTP status with a small body (text/plain unless `json`). */
  | { readonly kind: 'http'; readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  /** HTTP 200 `{"ok":false,"error":<error>}`. */
  | { readonly kind: 'platform'; readonly error: string }
  /** Answer normally, but only after `delayMs`. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Answer normally (to script a failure for a later request). */
  | { readonly kind: 'pass' };

export interface SlackRequest {
  /** API method, e.g. `chat.postMessage`. */
  readonly method: string;
  readonly httpMethod: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw body. */
  readonly body: string;
  /** All form fields as sent (strings). */
  readonly form: Readonly<Record<string, string>>;
  /** `blocks` parsed from its JSON string, when present and valid. */
  readonly blocks?: unknown;
  /** What the emulator answered: HTTP status and Slack's `error` code when `ok` was false. */
  readonly answer: { readonly status: number; readonly error?: string };
  /** `performance.now()` when the whole request had arrived (this process's clock; for latency figures). */
  readonly receivedAt: number;
}

export interface SlackMessageRecord {
  readonly channel: string;
  readonly ts: string;
  text: string;
  blocks: unknown;
  readonly threadTs?: string;
  /** Every edit (chat.update), oldest first. */
  readonly edits: { readonly text: string; readonly blocks: unknown }[];
}

export interface SlackEmulator {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Base URL for `WebClient({ slackApiUrl })`: `http://127.0.0.1:<port>/api/`. */
  readonly apiUrl: string;
  readonly requests: SlackRequest[];
  /** Messages in the order they were posted (thread replies included). */
  readonly messages: SlackMessageRecord[];
  /** TCP connections accepted so far (a client that keeps its connection open makes one for many calls). */
  readonly connections: number;
  /** The next `count` requests get `failure` instead of the real answer. */
  failNext(failure: SlackFailure, count?: number): void;
  /** Requests to one API method. */
  calls(method: string): SlackRequest[];
  /** Closes the connections that carry no request, as a server's idle timeout does. */
  dropIdleConnections(): void;
  close(): Promise<void>;
}

const LIMITS = { header: 150, sectionText: 3000, fields: 10, fieldText: 2000, text: 40_000 };

type Answer = { readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>>; readonly delayMs?: number };

function json(value: object, status = 200): Answer {
  return { status, body: JSON.stringify(value), headers: { 'Content-Type': 'application/json; charset=utf-8' } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.text === 'string' ? value.text : undefined;
}

/** Whether `blocks` breaks a Block Kit limit the real API enforces with `invalid_blocks`. */
function blocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return 'blocks is not an array';
  if (blocks.length > 50) return 'more than 50 blocks';
  for (const [i, block] of blocks.entries()) {
    if (!isRecord(block) || typeof block.type !== 'string') return `block ${i} has no type`;
    if (block.type === 'header') {
      const text = textOf(block.text);
      if (text === undefined || !isRecord(block.text) || block.text.type !== 'plain_text') return `block ${i}: header needs a plain_text text`;
      if (text.length > LIMITS.header) return `block ${i}: header text longer than ${LIMITS.header}`;
    }
    if (block.type === 'section') {
      const text = textOf(block.text);
      if (text !== undefined && text.length > LIMITS.sectionText) return `block ${i}: section text longer than ${LIMITS.sectionText}`;
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length > LIMITS.fields) return `block ${i}: more than ${LIMITS.fields} fields`;
        for (const f of block.fields) {
          const t = textOf(f);
          if (t === undefined || t.length > LIMITS.fieldText) return `block ${i}: a field is missing or longer than ${LIMITS.fieldText}`;
        }
      }
      if (text === undefined && block.fields === undefined) return `block ${i}: section needs text or fields`;
    }
  }
  return undefined;
}

export async function startSlackEmulator(options: SlackEmulatorOptions): Promise<SlackEmulator> {
  const channels: Readonly<Record<string, string>> = options.channels ?? { alerts: 'C0ALERTS01' };
  const channelIds = new Set(Object.values(channels));
  const requests: SlackRequest[] = [];
  const messages: SlackMessageRecord[] = [];
  const scripted: SlackFailure[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const tsBase = Math.floor(Date.now() / 1000);
  let tsCounter = 0;

  const nextTs = (): string => `${tsBase}.${String(++tsCounter).padStart(6, '0')}`;

  const channelId = (channel: string | undefined): string | undefined => {
    if (channel === undefined || channel === '') return undefined;
    if (channelIds.has(channel)) return channel;
    return channels[channel.replace(/^#/, '')];
  };

  const messageJson = (m: SlackMessageRecord): object => ({
    type: 'message',
    subtype: 'bot_message',
    text: m.text,
    ts: m.ts,
    ...(m.blocks === undefined ? {} : { blocks: m.blocks }),
    ...(m.threadTs === undefined ? {} : { thread_ts: m.threadTs }),
    ...(m.edits.length === 0 ? {} : { edited: { user: 'B0BURNWATCH', ts: nextTs() } }),
  });

  function realAnswer(method: string, headers: IncomingHttpHeaders, form: Record<string, string>, blocks: unknown): Answer {
    const auth = headers.authorization;
    const token = auth?.startsWith('Bearer ') === true ? auth.slice('Bearer '.length) : form.token;
    if (token === undefined || token === '') return json({ ok: false, error: 'not_authed' });
    if (token !== options.token) return json({ ok: false, error: 'invalid_auth' });

    if (method !== 'chat.postMessage' && method !== 'chat.update') return json({ ok: false, error: 'unknown_method' });
    const channel = channelId(form.channel);
    if (channel === undefined) return json({ ok: false, error: 'channel_not_found' });
    if (form.blocks !== undefined) {
      if (blocks === undefined) return json({ ok: false, error: 'invalid_blocks_format' });
      if (blocksProblem(blocks) !== undefined) {
        return json({ ok: false, error: 'invalid_blocks', response_metadata: { messages: [`[ERROR] ${blocksProblem(blocks)}`] } });
      }
    }
    const text = form.text ?? '';
    if (text === '' && blocks === undefined) return json({ ok: false, error: 'no_text' });
    if (text.length > LIMITS.text) return json({ ok: false, error: 'msg_too_long' });

    if (method === 'chat.postMessage') {
      const threadTs = form.thread_ts;
      const message: SlackMessageRecord = { channel, ts: nextTs(), text, blocks, edits: [], ...(threadTs === undefined ? {} : { threadTs }) };
      messages.push(message);
      return json({ ok: true, channel, ts: message.ts, message: messageJson(message) });
    }
    // chat.update: needs the ID of the channel the message is in, and its ts.
    const ts = form.ts;
    const message = messages.find((m) => m.ts === ts && m.channel === form.channel);
    if (ts === undefined || message === undefined) return json({ ok: false, error: 'message_not_found' });
    message.edits.push({ text, blocks });
    message.text = text;
    message.blocks = blocks;
    return json({ ok: true, channel, ts: message.ts, text, message: messageJson(message) });
  }

  function scriptedAnswer(failure: SlackFailure): Answer | undefined {
    switch (failure.kind) {
      case 'rate-limited':
        return {
          status: 429,
          body: JSON.stringify({ ok: false, error: 'ratelimited' }),
          headers: { 'Content-Type': 'application/json; charset=utf-8', ...(failure.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(failure.retryAfterSeconds) }) },
        };
      case 'http':
        return { status: failure.status, body: failure.body ?? `HTTP ${failure.status}`, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...failure.headers } };
      case 'platform':
        return json({ ok: false, error: failure.error });
      case 'slow':
      case 'pass':
        return undefined;
      default: {
        const unreachable: never = failure;
        return unreachable;
      }
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const method = (req.url ?? '').replace(/^\/api\//, '').replace(/[?#].*$/, '');
      const contentType = req.headers['content-type'] ?? '';
      let form: Record<string, string> = {};
      if (contentType.startsWith('application/json')) {
        try {
          const parsed: unknown = JSON.parse(body);
          if (isRecord(parsed)) {
            form = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
          }
        } catch {
          form = {};
        }
      } else {
        form = Object.fromEntries(new URLSearchParams(body));
      }
      let blocks: unknown;
      if (form.blocks !== undefined) {
        try {
          blocks = JSON.parse(form.blocks);
        } catch {
          blocks = undefined;
        }
      }

      const failure = scripted.shift();
      let answer: Answer;
      if (req.method !== 'POST' || !(req.url ?? '').startsWith('/api/')) {
        answer = { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/plain' } };
      } else {
        answer = (failure === undefined ? undefined : scriptedAnswer(failure)) ?? realAnswer(method, req.headers, form, blocks);
      }
      const error = answer.status === 200 ? (JSON.parse(answer.body) as { error?: string }).error : undefined;
      requests.push({
        method,
        httpMethod: req.method ?? '',
        headers: req.headers,
        body,
        form,
        ...(blocks === undefined ? {} : { blocks }),
        answer: { status: answer.status, ...(error === undefined ? {} : { error }) },
        receivedAt,
      });

      const delayMs = failure?.kind === 'slow' ? failure.delayMs : 0;
      if (delayMs === 0) {
        send(res, answer);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send(res, answer);
      }, delayMs);
      timers.add(timer);
    });
  });

  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('slack emulator has no port');
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    requests,
    messages,
    get connections() {
      return connections;
    },
    failNext(failure, count = 1) {
      for (let i = 0; i < count; i++) scripted.push(failure);
    },
    calls(method) {
      return requests.filter((r) => r.method === method);
    },
    dropIdleConnections() {
      server.closeIdleConnections();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}
