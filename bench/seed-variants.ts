import type { Db } from '../src/store/db.js';

/**
 * Gives SLOs that share an indicator with an SLO already in the ledger a copy of its ledger (instances, rows,
 * cursor), in SQL. The 10,000-SLO set is 10 objective/period variants of 1,000 indicators; their ledgers hold
 * the same event counts (the ledger fingerprint covers the indicator, grouping, slicing, maintenance and slot,
 * not the objective or period), so copying stands in for backfilling the same 30 days nine more times.
 */
export function copyLedgers(db: Db, pairs: readonly { readonly from: string; readonly to: string }[]): { instances: number; rows: number } {
  let instances = 0;
  let rows = 0;
  db.transaction(() => {
    db.exec('CREATE TEMP TABLE bench_variant_map (src TEXT NOT NULL, dst TEXT NOT NULL PRIMARY KEY)');
    const add = db.prepare('INSERT INTO bench_variant_map (src, dst) VALUES (?, ?)');
    for (const p of pairs) add.run(p.from, p.to);
    instances = db.prepare(`INSERT INTO slo_instances (slo_id, labels, created_slot_ms)
      SELECT m.dst, i.labels, i.created_slot_ms FROM bench_variant_map m JOIN slo_instances i ON i.slo_id = m.src ORDER BY m.dst, i.id`).run().changes;
    rows = db.prepare(`INSERT INTO ledger (instance_id, slot_ms, bad, total, slice_bad, slices, data_slots)
      SELECT d.id, l.slot_ms, l.bad, l.total, l.slice_bad, l.slices, l.data_slots
      FROM bench_variant_map m
      JOIN slo_instances s ON s.slo_id = m.src
      JOIN slo_instances d ON d.slo_id = m.dst AND d.labels = s.labels
      JOIN ledger l ON l.instance_id = s.id
      ORDER BY d.id, l.slot_ms`).run().changes;
    db.prepare(`INSERT INTO slo_cursors (slo_id, fingerprint, first_slot_ms, last_slot_ms)
      SELECT m.dst, c.fingerprint, c.first_slot_ms, c.last_slot_ms FROM bench_variant_map m JOIN slo_cursors c ON c.slo_id = m.src`).run();
    db.exec('DROP TABLE bench_variant_map');
  })();
  return { instances, rows };
}
