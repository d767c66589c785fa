import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './free-port.js';

/**
 * An HTTP proxy in front of a real Prometheus that injects one fault at a time into the answers of the query
 * API (`/api/v1/query`, `/api/v1/query_range`); every other path, and every query in mode `pass`, goes
 * through unchanged. Switch modes with `setMode` while a client keeps querying.
 */

export type FaultMode =
  | 'pass'
  /** Every sample value of the answer replaced: */
  | '+Inf' | '-Inf' | 'NaN'
  /** -(value) - 1 */
  | 'negative'
  /** 95 % of the true value: a counter that went back by less than a reset. */
  | 'backwards'
  /** A well-formed success answer of `oversizedBytes` (a huge matrix), streamed. */
  | 'oversized'
  /** Half of the true answer: alternately a complete HTTP message with the JSON cut, and a connection closed before the declared length. */
  | 'truncated'
  /** The request is accepted and never answered. */
  | 'hang'
  /** 502 from a broken gateway, HTML body. */
  | '5xx';

export const FAULT_MODES: readonly Exclude<FaultMode, 'pass'>[] = ['+Inf', '-Inf', 'NaN', 'negative', 'backwards', 'oversized', 'truncated', 'hang', '5xx'];

export interface FaultProxy {
  readonly url: string;
  readonly mode: FaultMode;
  setMode(mode: FaultMode): void;
  /** Query-API requests seen per mode. */
  readonly requests: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

const QUERY_PATH = /^\/api\/v1\/query(_range)?(\?|$)/;

/** The value a rewriting mode puts in place of a sample value (Prometheus's text form). */
function rewrite(mode: FaultMode, text: string): string {
  const v = Number(text);
  switch (mode) {
    case '+Inf':
    case '-Inf':
    case 'NaN':
      return mode;
    case 'negative':
      return String(-v - 1);
    case 'backwards':
      return String(v * 0.95);
    default:
      return text;
  }
}

interface PromAnswer {
  data?: { result?: { value?: [number, string]; values?: [number, string][] }[] | [number, string] };
}

function rewriteAnswer(mode: FaultMode, body: Buffer): Buffer {
  let answer: PromAnswer;
  try {
    answer = JSON.parse(body.toString('utf8')) as PromAnswer;
  } catch {
    return body;
  }
  const result = answer.data?.result;
  if (Array.isArray(result)) {
    for (const r of result) {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) continue;
      if (r.value) r.value[1] = rewrite(mode, r.value[1]);
      for (const p of r.values ?? []) p[1] = rewrite(mode, p[1]);
    }
  }
  return Buffer.from(JSON.stringify(answer));
}

/** Streams a success answer of about `bytes` bytes: one series with many points, then closes it properly. */
function sendOversized(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const head = '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"flood"},"values":[[1,"1"]';
  const chunk = Buffer.from(',[1,"1"]'.repeat(8192));
  let sent = head.length;
  res.write(head);
  const pump = (): void => {
    while (sent < bytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(']}]}}');
  };
  pump();
}

export async function startFaultProxy(target: string, options: { oversizedBytes?: number } = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  let mode: FaultMode = 'pass';
  let truncations = 0;
  const requests: Record<string, number> = {};
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, body: Buffer, answer: (status: number, headers: IncomingMessage['headers'], body: Buffer) => void, fail: (err: Error) => void): void => {
    const out = request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host, 'accept-encoding': 'identity' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => answer(res.statusCode ?? 502, res.headers, Buffer.concat(chunks)));
      res.on('error', fail);
    });
    out.on('error', fail);
    out.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const current = QUERY_PATH.test(req.url ?? '') ? mode : 'pass';
      if (current !== 'pass') requests[current] = (requests[current] ?? 0) + 1;
      const fail = (err: Error): void => {
        if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end(`fault proxy: ${err.message}`);
      };
      switch (current) {
        case 'hang':
          return; // the client gives up; the socket is closed then (or when the proxy closes)
        case '5xx':
          res.writeHead(502, { 'Content-Type': 'text/html' });
          res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
          return;
        case 'oversized':
          sendOversized(res, options.oversizedBytes ?? 50 * 1024 * 1024);
          return;
        default:
          forward(req, body, (status, headers, answer) => {
            const type = headers['content-type'] ?? 'application/json';
            if (current === 'truncated') {
              const half = answer.subarray(0, Math.floor(answer.length / 2));
              if (truncations++ % 2 === 0) {
                res.writeHead(status, { 'Content-Type': type, 'Content-Length': half.length });
                res.end(half);
              } else {
                res.writeHead(status, { 'Content-Type': type, 'Content-Length': answer.length });
                res.write(half, () => res.destroy());
              }
              return;
            }
            const sent = current === 'pass' || status !== 200 ? answer : rewriteAnswer(current, answer);
            res.writeHead(status, { 'Content-Type': type, 'Content-Length': sent.length });
            res.end(sent);
          }, fail);
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
    },
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
