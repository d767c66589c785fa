import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A tiny HTTP server on 127.0.0.1 for client tests: records every request and answers with what the test's
 * handler returns. Real sockets, no mocking of the HTTP client.
 */

export interface RecordedRequest {
  readonly method: string;
  /** Path and query string, e.g. `/api/v1/query`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as a form (empty when it is not one). */
  readonly form: URLSearchParams;
}

export interface StubResponse {
  readonly status?: number;
  /** Objects are sent as JSON with `Content-Type: application/json`; strings as `text/plain`. */
  readonly body?: string | object;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (for client time limits). */
  readonly delayMs?: number;
}

export type StubHandler = (req: RecordedRequest) => StubResponse | Promise<StubResponse>;

export interface StubServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces the handler. */
  handle(handler: StubHandler): void;
  close(): Promise<void>;
}

export async function startStubServer(handler: StubHandler = () => ({ status: 200, body: '' })): Promise<StubServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        form: new URLSearchParams(isForm ? body : ''),
      };
      requests.push(recorded);
      Promise.resolve()
        .then(() => current(recorded))
        .then((answer) => {
          if (answer.delayMs === undefined) {
            send(res, answer);
            return;
          }
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!res.destroyed) send(res, answer);
          }, answer.delayMs);
          timers.add(timer);
        })
        .catch((err: unknown) => send(res, { status: 599, body: `stub handler failed: ${String(err)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stub server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    handle(next) {
      current = next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, answer: StubResponse): void {
  const isJson = typeof answer.body === 'object';
  const text = isJson ? JSON.stringify(answer.body) : answer.body ?? '';
  res.writeHead(answer.status ?? 200, {
    'Content-Type': isJson ? 'application/json' : 'text/plain; charset=utf-8',
    ...answer.headers,
  });
  res.end(text);
}
