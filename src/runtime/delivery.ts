import type { Suppression } from '../alerting/cycle.js';
import type { ShardOwnership } from '../cluster/shards.js';
import type { LocatedProblem } from '../formats/located.js';
import type { StoredAlert } from '../store/alerts.js';
import type { Store } from '../store/store.js';
import type { DispatchObserver, RetryPolicy } from '../notify/dispatcher.js';
import { DEFAULT_RETRY_POLICY, Dispatcher } from '../notify/dispatcher.js';
import type { Notifier, NotifierDeps } from '../notify/notifier.js';
import { Outbox, routerFor } from '../notify/outbox.js';
import type { RoutingConfig } from '../notify/routing-config.js';
import { buildReceivers } from '../notify/routing-config.js';
import type { Logger } from '../logger.js';

/**
 * Everything between an alert decision and a destination: routing (at enqueue, in the engine's transaction),
 * the outbox, the dispatcher, silences and configured inhibit rules. A new routing config is applied only
 * when every receiver in it can be built; otherwise the last good one keeps running.
 */
export interface DeliveryDeps {
  /** The outbox and the silences (the engine's store: an alert decision and its notifications share a transaction). */
  readonly store: Store;
  readonly notifierDeps: NotifierDeps;
  readonly now: () => number;
  readonly random: () => number;
  readonly logger: Logger;
  readonly schedule?: (fn: () => void, ms: number) => { cancel(): void };
  readonly observer?: DispatchObserver;
  /** The outbox failed to read or write (reported by the dispatcher, which tries again). */
  readonly onStorageError?: (err: unknown) => void;
  readonly retry?: RetryPolicy;
  readonly resendDelayMs?: number;
  /**
   * The shards this replica holds (replicas sharing one PostgreSQL): it delivers only their SLOs' rows, and asks
   * right before each send. Default: every row (one replica).
   */
  readonly ownership?: ShardOwnership;
}

export class Delivery {
  readonly store: Store;
  readonly outbox: Outbox;
  readonly dispatcher: Dispatcher;
  private notifiers: ReadonlyMap<string, Notifier>;

  private constructor(private config: RoutingConfig, notifiers: ReadonlyMap<string, Notifier>, private readonly deps: DeliveryDeps) {
    this.notifiers = notifiers;
    this.store = deps.store;
    this.dispatcher = new Dispatcher({
      store: this.store,
      notifiers: () => this.notifiers,
      now: deps.now,
      random: deps.random,
      logger: deps.logger,
      ...(deps.observer ? { observer: deps.observer } : {}),
      ...(deps.schedule ? { schedule: deps.schedule } : {}),
      ...(deps.onStorageError ? { onError: deps.onStorageError } : {}),
      ...(deps.ownership ? { shards: deps.ownership } : {}),
    }, deps.retry ?? DEFAULT_RETRY_POLICY);
    this.outbox = new Outbox(this.router(config), {
      ...(deps.resendDelayMs === undefined ? {} : { resendDelayMs: deps.resendDelayMs }),
      onEnqueue: () => this.dispatcher.wake(),
      logger: deps.logger,
    });
  }

  static create(config: RoutingConfig, deps: DeliveryDeps): { ok: true; delivery: Delivery } | { ok: false; errors: readonly LocatedProblem[] } {
    const built = buildReceivers(config, deps.notifierDeps);
    if (!built.ok) return { ok: false, errors: built.errors };
    return { ok: true, delivery: new Delivery(config, built.notifiers, deps) };
  }

  /** Applies a reloaded routing config; on errors the running one stays. */
  apply(config: RoutingConfig): readonly LocatedProblem[] {
    const built = buildReceivers(config, this.deps.notifierDeps);
    if (!built.ok) return built.errors;
    this.config = config;
    this.notifiers = built.notifiers;
    this.outbox.setRouter(this.router(config));
    return [];
  }

  get routing(): RoutingConfig {
    return this.config;
  }

  receivers(): string[] {
    return [...this.notifiers.keys()];
  }

  private router(config: RoutingConfig) {
    const kinds = new Map(config.receivers.map((r) => [r.name, r.kind]));
    return routerFor(config.route, (name) => kinds.get(name));
  }

  /**
   * Says at start-up what the previous run left: one line per alert that was firing when it stopped and
   * fires on (its state is kept, so it is not paged again), with the notifications of it still waiting in
   * the outbox, then a summary line (also when nothing fires, so a restart always says what it took over).
   */
  async reportCarriedOver(firing: readonly StoredAlert[]): Promise<void> {
    for (const a of firing) {
      const waiting = await this.store.outbox.waitingFor(a.alertKey);
      this.deps.logger.info({
        slo: a.sloId,
        alert: a.alertKey,
        severity: a.severity,
        kind: a.kind,
        ...(Object.keys(a.instanceLabels).length === 0 ? {} : { instance: a.instanceLabels }),
        phase: a.state.phase,
        ...(a.state.firedAtMs === undefined ? {} : { firingSince: new Date(a.state.firedAtMs).toISOString() }),
        notified: a.notified,
        waiting,
      }, 'firing alert carried over from the previous run');
    }
    const { pending } = await this.store.outbox.stats();
    this.deps.logger.info({ firing: firing.length, waiting: pending }, 'alert state carried over from the previous run');
  }

  /** The silences current at an instant (read from the database) and the routing file's inhibit rules. */
  suppression = async (atMs: number): Promise<Suppression> => ({ silences: await this.store.silences.current(atMs), inhibitRules: this.config.inhibitRules });
}
