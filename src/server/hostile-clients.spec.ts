import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../runtime/logger.js';
import { createSelfMetrics } from './self-metrics.js';
import { FakeView, NOW } from './fake-view.fixture.js';
import type { BurnwatchServer, ServerLimits } from './server.js';
import { createServer } from './server.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../../test/support/logger.js';

/**
 * Clients that do not play by the rules, on raw sockets: a request the server does not serve (CONNECT,
 * Upgrade) or cannot take (absurdly long URL or header) gets an answer and the connection is closed; a client
 * that sends its headers or body byte by byte is dropped at the configured bound.
 */


const servers: BurnwatchServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(options: { limits?: ServerLimits; logger?: Logger; apiToken?: string; view?: FakeView } = {}): Promise<number> {
  const server = createServer(options.view ?? new FakeView(), createSelfMetrics({ version: '1.2.3', now: () => NOW }), {
    logger: options.logger ?? silentLogger,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.apiToken === undefined ? {} : { apiToken: options.apiToken }),
  });
  servers.push(server);
  return (await server.listen('127.0.0.1', 0)).port;
}

interface Exchange {
  /** Everything the server sent before it closed the connection. */
  readonly answer: string;
  /** Milliseconds from connecting until the server closed the connection. */
  readonly closedAfterMs: number;
}

/**
 * Sends `text` on a raw connection (all at once, or `first` at once and the rest one byte every `dripMs`),
 * and waits until the server closes the connection or `giveUpMs` passes (then the time is Infinity).
 */
function exchange(port: number, text: string, options: { dripMs?: number; first?: string; giveUpMs?: number } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    socket.write(options.dripMs === undefined ? text : options.first ?? '');
    let i = 0;
    const drip = options.dripMs === undefined ? undefined : setInterval(() => {
      if (socket.destroyed || i >= text.length) return;
      socket.write(text.charAt(i++));
    }, options.dripMs);
    let answer = '';
    const giveUp = setTimeout(() => {
      clearInterval(drip);
      socket.destroy();
      resolve({ answer, closedAfterMs: Infinity });
    }, options.giveUpMs ?? 10_000);
    socket.on('data', (d: Buffer) => { answer += d.toString('latin1'); });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(drip);
      resolve({ answer, closedAfterMs: performance.now() - started });
    });
  });
}

function status(answer: string): number | undefined {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** The JSON body of a raw answer (after the blank line). */
function body(answer: string): { error?: string; hint?: string } {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error?: string; hint?: string };
}

describe('requests the server does not serve get an answer', () => {
  it('CONNECT answers 405 with Allow and closes the connection', async () => {
    const port = await start();
    const ex = await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(status(ex.answer)).toBe(405);
    expect(ex.answer).toMatch(/\r\nAllow: GET, HEAD, POST, DELETE, OPTIONS\r\n/);
    expect(ex.answer).toMatch(/\r\nConnection: close\r\n/);
    expect(body(ex.answer).error).toBe('CONNECT is not supported: burnwatch is not a proxy');
    expect(ex.closedAfterMs).toBeLessThan(5_000);
  });

  it('an Upgrade request (websocket, h2c) is answered as plain HTTP/1.1, without switching protocols', async () => {
    const port = await start({ limits: { keepAliveTimeoutMs: 500 } });
    const ex = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(status(ex.answer)).toBe(200);
    expect(ex.answer).toMatch(/\r\n\r\nok\n$/);
    expect(ex.answer).not.toMatch(/101 Switching/);
  });

  it.each([
    ['a 100 kB URL', `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a 100 kB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`],
    ['ten thousand headers', `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 10_000 }, (_, i) => `X-H${i}: 1\r\n`).join('')}\r\n`],
  ])('%s is refused with 431 JSON and the connection closed', async (_name, text) => {
    const port = await start();
    const ex = await exchange(port, text);
    expect(status(ex.answer)).toBe(431);
    expect(ex.answer).toMatch(/\r\nConnection: close\r\n/);
    expect(body(ex.answer).error).toBe('the request line and headers are larger than 16384 bytes');
    expect(ex.closedAfterMs).toBeLessThan(5_000);
  });

  it('a request that is not HTTP is refused with 400 JSON', async () => {
    const port = await start();
    const ex = await exchange(port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(status(ex.answer)).toBe(400);
    expect(body(ex.answer).error).toBe('the request is not valid HTTP/1.1');
  });
});

describe('slow clients are dropped at the configured bound', () => {
  it('headers sent byte by byte (slowloris): 408 and closed at headersTimeout', async () => {
    const port = await start({ limits: { headersTimeoutMs: 1_500, requestTimeoutMs: 10_000 } });
    const ex = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(500)}\r\n\r\n`, { dripMs: 50 });
    expect(status(ex.answer)).toBe(408);
    expect(ex.closedAfterMs).toBeGreaterThanOrEqual(1_400);
    expect(ex.closedAfterMs).toBeLessThan(3_500);
  });

  it('a connection that never sends a byte is closed at headersTimeout', async () => {
    const port = await start({ limits: { headersTimeoutMs: 1_500, requestTimeoutMs: 10_000 } });
    const ex = await exchange(port, '');
    expect(ex.closedAfterMs).toBeGreaterThanOrEqual(1_400);
    expect(ex.closedAfterMs).toBeLessThan(3_500);
  });

  it('a body sent byte by byte: closed at requestTimeout', async () => {
    const logged: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_o, m) => logged.push(m), error: (_o, m) => logged.push(m) };
    const port = await start({ apiToken: 'tok', logger, limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } });
    const payload = JSON.stringify({ matchers: ['slo="x"'], comment: 'x'.repeat(400) });
    const head = `POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
    const ex = await exchange(port, payload, { first: head, dripMs: 20 });
    expect(status(ex.answer)).toBe(408);
    expect(ex.closedAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(ex.closedAfterMs).toBeLessThan(4_000);
    // A client that gave up is not an internal error of burnwatch.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(logged).toEqual([]);
  });

  it('a client that goes silent in the middle of its request: closed at idleTimeout, before requestTimeout', async () => {
    const port = await start({ apiToken: 'tok', limits: { idleTimeoutMs: 1_000, headersTimeoutMs: 5_000, requestTimeoutMs: 20_000 } });
    const head = 'POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const ex = await exchange(port, `${head}{"matchers":`, { giveUpMs: 8_000 });
    expect(ex.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(ex.closedAfterMs).toBeLessThan(3_000);
  });

  it('an idle keep-alive connection is closed at keepAliveTimeout', async () => {
    const port = await start({ limits: { keepAliveTimeoutMs: 1_000 } });
    const ex = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(status(ex.answer)).toBe(200);
    expect(ex.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(ex.closedAfterMs).toBeLessThan(3_000);
  });
});

describe('connections', () => {
  it('beyond maxConnections are closed at once; the server serves again when one goes', async () => {
    const port = await start({ limits: { maxConnections: 2 } });
    const open = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    await Promise.all(open.map((s) => new Promise((resolve) => s.once('connect', resolve))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const third = await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { giveUpMs: 3_000 });
    expect(third.closedAfterMs).toBeLessThan(1_000);
    expect(third.answer).toBe('');
    for (const s of open) s.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('API log lines', () => {
  it('carry "component" once and the path without its query string', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-server-log-'));
    dirs.push(dir);
    const file = join(dir, 'log.jsonl');
    const fd = openSync(file, 'w');
    try {
      // As wiring.ts builds it: the daemon's logger, a child for the API.
      const logger = createLogger({ level: 'info', version: 't', destination: fd }).child({ component: 'api' });
      const view = new FakeView();
      const port = await start({ logger, apiToken: 'the-token', view });
      const refused = await fetch(`http://127.0.0.1:${port}/api/v1/silences?token=leaked-query-secret`, { method: 'POST', body: '{}' });
      expect(refused.status).toBe(401);
      view.slos = () => {
        throw new Error('database is locked');
      };
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/slos?access_token=leaked-query-secret`)).status).toBe(500);
    } finally {
      closeSync(fd);
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['API request refused', 'API request failed']);
    for (const line of lines) {
      expect(line.match(/"component":/g)).toHaveLength(1);
      expect(line).not.toContain('leaked-query-secret');
    }
    expect(lines.map((l) => (JSON.parse(l) as { path: string }).path)).toEqual(['/api/v1/silences', '/api/v1/slos']);
  });
});
