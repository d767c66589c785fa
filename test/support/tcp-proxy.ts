import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 for tests of network failures between two local processes: forwards every
 * connection to `target` byte for byte (so TLS and PostgreSQL's protocol pass through untouched), records when
 * the client sent data, and can `cut` the link (every open connection destroyed on both sides, new ones
 * accepted and destroyed at once, so the client sees its connections end and cannot reconnect) and `restore` it.
 * The port stays the same throughout: the proxy keeps listening while cut.
 */

export interface TcpProxy {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly host: string;
  /** Whether the link is cut now. */
  readonly isCut: boolean;
  /** `performance.now()` of every chunk the clients sent towards the target (while not cut), oldest first. */
  readonly sent: readonly number[];
  /** Connections accepted so far (cut ones included). */
  readonly connections: number;
  /** Destroys every open connection (both sides) and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const sent: number[] = [];
  let cut = false;
  let connections = 0;

  const server = createServer((client) => {
    connections++;
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.host, port: target.port });
    const pair = { client, upstream };
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      sent.push(performance.now());
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the TCP proxy has no port');
  return {
    port: address.port,
    host: `127.0.0.1:${address.port}`,
    get isCut() {
      return cut;
    },
    sent,
    get connections() {
      return connections;
    },
    cut() {
      cut = true;
      for (const { client, upstream } of [...pairs]) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise<void>((resolve) => {
      cut = true;
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      server.close(() => resolve());
    }),
  };
}
