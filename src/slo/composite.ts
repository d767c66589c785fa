import type { CompositeIndicator, CompositeMethod, Slo } from './model.js';

/**
 * Composite SLOs: one objective and one error budget over several SLOs (a user journey). A composite has no
 * query of its own; its ledger is derived, cell by cell, from the rows its children's ledgers already hold.
 * Pure: the cells come in as data.
 *
 * Per cell (a ledger slot, or a 5-minute / hourly step of older history), with child i's weight wᵢ, bad
 * events bᵢ and events tᵢ in the cell:
 * - weightedEvents: bad = Σ wᵢ·bᵢ, total = Σ wᵢ·tᵢ. A window's error ratio is then Σ wᵢ·bᵢ / Σ wᵢ·tᵢ over the
 *   window: a child with ten times the traffic counts ten times (at equal weights).
 * - weightedRatio: the cell's error ratio r = Σ wᵢ·(bᵢ/tᵢ) / Σ wᵢ over the children WITH TRAFFIC in the cell
 *   (tᵢ > 0); it is stored time-weighted, as ratio indicators are: bad = r x cell seconds, total = cell seconds.
 *   A window's ratio is the time-weighted mean of its cells' ratios. Empty-cell rule: a cell in which no child
 *   had traffic counts neither good nor bad (total 0), as a cell without traffic of an ordinary SLO; a child
 *   without traffic in a cell is left out of that cell's mean (its weight goes to the others), so an idle
 *   child neither dilutes nor inflates the journey's ratio.
 *
 * A child's maintenance windows are already out of its ledger (its maintenance slots hold no events), so they
 * are out of the composite too. A child's budget corrections are read out of its cells as the child's own
 * sums leave them out (`evaluate.ts` `withoutRanges`): a corrected child counts as corrected in the composite.
 */

/** One child's events in one cell, as its ledger holds them. */
export interface ChildCell {
  readonly weight: number;
  readonly bad: number;
  readonly total: number;
  /** Whether the child had data (samples) in the cell. */
  readonly data: boolean;
}

export interface CompositeCell {
  readonly bad: number;
  readonly total: number;
  readonly data: boolean;
}


/** The composite's events in one cell of `cellMs` from its children's (see the module comment). */
export function combineCell(method: CompositeMethod, cells: readonly ChildCell[], cellMs: number): CompositeCell {
  const data = cells.some((c) => c.data);
  switch (method) {
    case 'weightedEvents': {
      let bad = 0;
      let total = 0;
      for (const c of cells) {
        bad += c.weight * c.bad;
        total += c.weight * c.total;
      }
      return { bad, total, data };
    }
    case 'weightedRatio': {
      let weighted = 0;
      let weights = 0;
      for (const c of cells) {
        if (!(c.total > 0)) continue;
        weighted += c.weight * Math.min(1, Math.max(0, c.bad / c.total));
        weights += c.weight;
      }
      if (weights === 0) return { bad: 0, total: 0, data };
      const seconds = cellMs / 1000;
      return { bad: (weighted / weights) * seconds, total: seconds, data };
    }
    default: {
      const unreachable: never = method;
      return unreachable;
    }
  }
}

export function isComposite(slo: Slo): slo is Slo & { readonly indicator: CompositeIndicator } {
  return slo.indicator.kind === 'composite';
}

/**
 * Height of each SLO in the composition: 0 for an ordinary SLO, 1 + the highest child for a composite (a child
 * that is not loaded counts 0). Parents are always higher than their children, so sorting by height, highest
 * first, puts every composite before its children, and lowest first every child before its composites. The
 * loader rejects cycles; a cycle that gets here anyway ends at the SLO met twice.
 */
export function compositionHeights(slos: ReadonlyMap<string, Slo>): Map<string, number> {
  const heights = new Map<string, number>();
  const visiting = new Set<string>();
  const height = (id: string): number => {
    const known = heights.get(id);
    if (known !== undefined) return known;
    const slo = slos.get(id);
    if (slo === undefined || slo.indicator.kind !== 'composite' || visiting.has(id)) return 0;
    visiting.add(id);
    const h = 1 + Math.max(0, ...slo.indicator.children.map((c) => height(c.sloId)));
    visiting.delete(id);
    heights.set(id, h);
    return h;
  };
  for (const id of slos.keys()) height(id);
  return heights;
}

/** The composites that hold each SLO as a child, directly. */
export function parentsOf(slos: Iterable<Slo>): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const slo of slos) {
    if (slo.indicator.kind !== 'composite') continue;
    for (const c of slo.indicator.children) parents.set(c.sloId, [...(parents.get(c.sloId) ?? []), slo.id]);
  }
  return parents;
}

/**
 * An SLO and, for a composite, every SLO it is made of (children, their children, ...), each once: what a replay
 * of the composite must evaluate. SLOs not in `all` are left out.
 */
export function withDescendants(slo: Slo, all: ReadonlyMap<string, Slo>): Slo[] {
  const out = new Map<string, Slo>([[slo.id, slo]]);
  const visit = (s: Slo): void => {
    if (s.indicator.kind !== 'composite') return;
    for (const c of s.indicator.children) {
      const child = all.get(c.sloId);
      if (child === undefined || out.has(child.id)) continue;
      out.set(child.id, child);
      visit(child);
    }
  };
  visit(slo);
  return [...out.values()];
}
