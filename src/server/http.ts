import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a route answers; the server writes it (JSON unless `text` is given). */
export interface Reply {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A problem the client can fix: answered as `{"error", "hint", ...extra}` with its status. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  reply(): Reply {
    return {
      status: this.status,
      json: { error: this.message, ...(this.hint === undefined ? {} : { hint: this.hint }), ...this.extra },
      headers: this.headers,
    };
  }
}

/** Numbers that are not finite become null (JSON.stringify does this too; explicit so it cannot regress). */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

function replyBody(reply: Reply): string {
  return reply.text ?? `${JSON.stringify(reply.json ?? null, finiteOrNull, 2)}\n`;
}

/** The headers of every answer (Content-Length aside), the reply's own last. */
function replyHeaders(reply: Reply): Record<string, string> {
  return {
    'Content-Type': reply.contentType ?? (reply.text === undefined ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8'),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...reply.headers,
  };
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const body = replyBody(reply);
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(replyHeaders(reply))) res.setHeader(name, value);
  if (reply.status === 204) {
    res.removeHeader('Content-Type');
    res.end();
    return;
  }
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** The reply as a complete HTTP/1.1 answer that closes the connection, for a socket outside Node's HTTP handling. */
export function rawReply(reply: Reply): string {
  const body = replyBody(reply);
  const headers = { ...replyHeaders(reply), 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}\r\n${head}\r\n${body}`;
}

/**
 * Reads a request body of at most `limit` bytes. A larger body (declared or streamed) is refused with 413
 * and the connection is closed after the answer, so the rest of it is never read. A request that ends before
 * its body does (the client went away, or was dropped at the request timeout) is a client error, not ours.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `the request body is larger than ${limit} bytes`, 'send a smaller JSON document', {}, { Connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop collecting but keep the socket: the 413 must still be written. The rest is discarded.
      cleanup();
      req.resume();
      reject(tooLarge());
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      cleanup();
      reject(new HttpError(400, 'the connection closed before the request body was complete', 'send the whole body within the request timeout'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) throw new HttpError(400, 'the request body is empty', 'send a JSON object with Content-Type: application/json');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpError(400, `the request body is not valid JSON: ${(err as Error).message}`, 'send a JSON object, e.g. {"matchers": ["slo=\\"checkout\\""], "duration": "2h", "comment": "deploy"}');
  }
}

/** Compares bearer tokens in constant time (hashes first, so the lengths do not leak either). */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
