import type { Logger } from '../src/logger.js';
import { Engine } from '../src/engine/engine.js';
import type { MetricsSource } from '../src/metrics/source.js';
import { DAY, MINUTE } from '../src/slo/duration.js';
import type { Db } from '../src/store/db.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

/** The engine as the benchmark runs it: 60 s slots, 30-day backfill, sample statistics on. */
export const SLOT_MS = 60_000;
export const BACKFILL_MS = 30 * DAY;

export function createBenchEngine(source: MetricsSource, db: Db, logger: Logger): Engine {
  return new Engine({ source, store: new SqliteStore(db, ':memory:'), logger }, { slotMs: SLOT_MS, rateWindowMs: 2 * MINUTE, links: {}, maxBackfillMs: BACKFILL_MS, stats: true });
}

/** A logger that keeps warnings and errors (the engine logs a failing SLO as a warning) and drops the rest. */
export class CollectingLogger implements Logger {
  readonly problems: string[] = [];
  count = 0;

  info(): void {}
  debug(): void {}
  child(): Logger {
    return this;
  }
  warn(obj: object, msg: string): void {
    this.keep(obj, msg);
  }
  error(obj: object, msg: string): void {
    this.keep(obj, msg);
  }

  private keep(obj: object, msg: string): void {
    this.count++;
    if (this.problems.length < 5) this.problems.push(`${msg} ${JSON.stringify(obj).slice(0, 300)}`);
  }
}

/** Counts the calls the engine makes to its metrics source, by method. */
export class CountingSource implements MetricsSource {
  readonly calls = { instantQuery: 0, rangeQuery: 0, rawSamples: 0 };

  constructor(private readonly inner: MetricsSource) {}

  get url(): string {
    return this.inner.url;
  }

  instantQuery(...args: Parameters<MetricsSource['instantQuery']>): ReturnType<MetricsSource['instantQuery']> {
    this.calls.instantQuery++;
    return this.inner.instantQuery(...args);
  }

  rangeQuery(...args: Parameters<MetricsSource['rangeQuery']>): ReturnType<MetricsSource['rangeQuery']> {
    this.calls.rangeQuery++;
    return this.inner.rangeQuery(...args);
  }

  rawSamples(...args: Parameters<MetricsSource['rawSamples']>): ReturnType<MetricsSource['rawSamples']> {
    this.calls.rawSamples++;
    return this.inner.rawSamples(...args);
  }

  ready(...args: Parameters<MetricsSource['ready']>): ReturnType<MetricsSource['ready']> {
    return this.inner.ready(...args);
  }

  reset(): void {
    this.calls.instantQuery = 0;
    this.calls.rangeQuery = 0;
    this.calls.rawSamples = 0;
  }
}

export const MB = 1024 * 1024;
