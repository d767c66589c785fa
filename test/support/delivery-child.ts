/**
 * A burnwatch evaluation + delivery process on simulated time, for the crash and end-to-end delivery tests:
 * the daemon's own engine, outbox and dispatcher on a persistent database, stepping through historical slots
 * of a real Prometheus as fast as it can. Killed at any point and started again, it resumes from the
 * database like the daemon does (ledger cursor, alert states, outbox). Prints DONE when every slot is
 * evaluated and the outbox is empty. The database is the SQLite file `dbPath`, or PostgreSQL at `databaseUrl`.
 *
 * Usage: node --import tsx test/support/delivery-child.ts '<json config>'
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { createPrometheusSource } from '../../src/metrics/prometheus/client.js';
import { parseRoutingConfig } from '../../src/notify/routing-config.js';
import { Delivery } from '../../src/runtime/delivery.js';
import { secretResolver } from '../../src/runtime/secrets.js';
import { loadSpecs } from '../../src/formats/load.js';
import { openDb } from '../../src/store/db.js';
import type { Logger } from '../../src/logger.js';
import { openPgStore } from '../../src/store/postgres/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

interface ChildConfig {
  dbPath: string;
  /** A PostgreSQL database instead of the SQLite file. */
  databaseUrl?: string;
  prometheusUrl: string;
  slosDir: string;
  routingFile: string;
  fromMs: number;
  toMs: number;
  slotMs: number;
  runbookBaseUrl?: string;
  /** Wait this long after each slot (gives a test a window to kill the process mid-run). */
  pauseMs?: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const log = (level: string) => (obj: object, msg: string): void => {
  if (level !== 'info') process.stderr.write(`${level}: ${msg} ${JSON.stringify(obj)}\n`);
};
const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'), child: () => logger };

const loaded = loadSpecs([cfg.slosDir], { cwd: process.cwd() });
if (loaded.errors.some((e) => e.severity !== 'warning')) throw new Error(`SLO files: ${JSON.stringify(loaded.errors)}`);
const routing = parseRoutingConfig(cfg.routingFile, readFileSync(cfg.routingFile, 'utf8'));
if (!routing.ok) throw new Error(`routing: ${JSON.stringify(routing.errors)}`);

let now = cfg.fromMs;
const store: Store = cfg.databaseUrl === undefined ? new SqliteStore(openDb(cfg.dbPath), cfg.dbPath) : await openPgStore({ url: cfg.databaseUrl });
const created = Delivery.create(routing.config, {
  store,
  notifierDeps: { secrets: secretResolver(process.env, dirname(cfg.routingFile)), logger, stdout: process.stdout },
  now: () => now,
  random: Math.random,
  logger,
});
if (!created.ok) throw new Error(`receivers: ${JSON.stringify(created.errors)}`);
const delivery = created.delivery;
const engine = new Engine(
  { source: createPrometheusSource({ url: cfg.prometheusUrl }), store, logger, sink: delivery.outbox, suppression: delivery.suppression },
  { slotMs: cfg.slotMs, rateWindowMs: 120_000, links: { ...(cfg.runbookBaseUrl === undefined ? {} : { runbookBaseUrl: cfg.runbookBaseUrl }), prometheusUrl: cfg.prometheusUrl } },
);

// Resume where the ledger is: the last slot may have been ingested but not evaluated when we were killed,
// so it is evaluated again (idempotent: same states, same notification ids).
const cursors = (await Promise.all(loaded.slos.map(async (s) => (await store.ledger.cursor(s.id))?.lastSlotMs))).filter((t): t is number => t !== undefined);
const resume = cursors.length === loaded.slos.length ? Math.min(...cursors) : cfg.fromMs;
await engine.setSlos(loaded.slos, resume);
process.stdout.write(`READY ${resume}\n`);
for (let t = resume; t <= cfg.toMs; t += cfg.slotMs) {
  now = t;
  process.stdout.write(`SLOT ${t}\n`);
  await engine.ingest(t);
  await engine.evaluateAt(t);
  await delivery.dispatcher.pass();
  if (cfg.pauseMs !== undefined) await new Promise((r) => setTimeout(r, cfg.pauseMs));
}
// Drain: let simulated time run on so retries come due.
for (let i = 0; i < 200 && (await store.outbox.stats()).pending > 0; i++) {
  now += 60_000;
  await delivery.dispatcher.pass();
}
const stats = await store.outbox.stats();
await store.close();
process.stdout.write(`DONE ${JSON.stringify(stats)}\n`);
