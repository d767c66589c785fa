import { labelsKey } from '../slo/labels.js';
import type { LedgerStore, OutboxQueue } from '../store/store.js';
import type { StatusReader } from '../server/ui/reader.js';
import type { DaemonView } from '../server/view.js';

export interface StatusReaderDeps {
  /** Status, alerts, history and silences, as the JSON API reads them. */
  readonly view: Pick<DaemonView, 'now' | 'slos' | 'alerts' | 'history' | 'silences'>;
  readonly ledger: LedgerStore;
  readonly outbox: OutboxQueue;
  readonly intervalMs: number;
  readonly links: StatusReader['links'];
  /** Runs a database read; a storage failure is reported and thrown as UnavailableError. */
  readonly guard: <T>(during: string, read: () => Promise<T>) => Promise<T>;
}

/** The status page's view of a running daemon (see StatusReader). */
export function createStatusReader(deps: StatusReaderDeps): StatusReader {
  const { view, ledger, outbox, guard } = deps;
  return {
    intervalMs: deps.intervalMs,
    links: deps.links,
    now: () => view.now(),
    slos: () => view.slos(),
    alerts: () => view.alerts(),
    history: (sloId, limit) => view.history(sloId, limit),
    silences: () => view.silences(),
    ledgerRows: (sloId, labels, fromMs, toMs) => guard('ledger', async () => {
      const key = labelsKey(labels);
      const instance = (await ledger.instancesOf(sloId)).find((i) => i.key === key);
      return instance === undefined ? undefined : ledger.cumulativeRows(instance.id, fromMs, toMs);
    }),
    deliveries: (sloId, fromMs, toMs, limit) => guard('outbox', () => outbox.ofSlo(sloId, fromMs, toMs, limit)),
  };
}
