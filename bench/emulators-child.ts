/**
 * The Slack and PagerDuty emulators of test/support in a process of their own, for the page-latency
 * measurement (bench/notify-latency.ts): the emulators' own work (HTTP parsing, the TLS server side,
 * validation) then runs beside burnwatch, as the real services do, instead of on burnwatch's event loop.
 *
 * Argument: the Slack token to accept. IPC protocol (child_process.fork): the child sends `{ ready }` with
 * the addresses and the CA; the parent sends `'receipts'` and gets `{ receipts }` (every request with its
 * receipt time as epoch milliseconds, `performance.timeOrigin + receivedAt`, comparable across processes
 * on one machine); `'drop-idle'` closes the connections that carry no request, as the services' idle timeouts
 * (and burnwatch's own, 4 s) do between the daemon's cycles, and answers `{ dropped }`; `'close'` ends it.
 */
import { startPagerDutyEmulator } from '../test/support/pagerduty-emulator.js';
import { startSlackEmulator } from '../test/support/slack-emulator.js';

export interface EmulatorsReady {
  readonly slackApi: string;
  readonly pdHost: string;
  readonly caCert: string;
}

/** One request as the parent needs it. */
export type Receipt =
  | { readonly to: 'slack'; readonly method: string; readonly text: string; readonly threadTs?: string; readonly atEpochMs: number }
  | { readonly to: 'pagerduty'; readonly action: string; readonly dedupKey: string; readonly atEpochMs: number };

const send = (message: object): void => {
  process.send?.(message);
};

if (process.send !== undefined) {
  const slack = await startSlackEmulator({ token: process.argv[2] ?? '', channels: { alerts: 'C0ALERTS01' } });
  const pd = await startPagerDutyEmulator();
  process.on('message', (message) => {
    if (message === 'receipts') {
      const epoch = (t: number): number => performance.timeOrigin + t;
      const receipts: Receipt[] = [
        ...slack.requests.map((r): Receipt => ({ to: 'slack', method: r.method, text: r.form['text'] ?? '', ...(r.form['thread_ts'] === undefined ? {} : { threadTs: r.form['thread_ts'] }), atEpochMs: epoch(r.receivedAt) })),
        ...pd.requests.map((r): Receipt => {
          const body = r.json as { event_action?: unknown; dedup_key?: unknown } | undefined;
          const text = (value: unknown): string => (typeof value === 'string' ? value : '');
          return { to: 'pagerduty', action: text(body?.event_action), dedupKey: text(body?.dedup_key), atEpochMs: epoch(r.receivedAt) };
        }),
      ];
      send({ receipts });
    } else if (message === 'drop-idle') {
      slack.dropIdleConnections();
      pd.dropIdleConnections();
      send({ dropped: true });
    } else if (message === 'close') {
      void Promise.all([slack.close(), pd.close()]).then(() => process.exit(0));
    }
  });
  send({ ready: { slackApi: slack.apiUrl, pdHost: pd.host, caCert: pd.caCert } satisfies EmulatorsReady });
}
