import type { DispatchObserver } from '../notify/dispatcher.js';
import type { StorageFault } from '../store/db.js';

/** Hooks the daemon reports to (implemented with prom-client in server/self-metrics.ts; the composition root connects them). */
export interface DaemonMetrics {
  cycle(report: { durationMs: number; outcome: 'ok' | 'partial' | 'failed'; missedSlots: number }): void;
  queryError(kind: string): void;
  /** Samples Prometheus sent that could not be counted (see engine/sample-check.ts). */
  rejectedSamples?(reason: string, count: number): void;
  reload(outcome: 'success' | 'failure'): void;
  /** A database operation failed, by fault. */
  storageError?(fault: StorageFault): void;
  backend?(info: { readonly kind: string; readonly version: string }): void;
  readonly dispatch?: DispatchObserver;
}
