import type { Matcher } from '../routing/matchers.js';
import type { BudgetCorrection, Slo } from '../slo/model.js';
import type { Location, LocatedProblem } from './located.js';

/**
 * An SLO read from a file, with the places its fields came from, so checks that run on the model
 * (duplicate ids, runbooks, tiers that cannot fire) can still point at the right line.
 * Keys: `id`, `objective`, `period`, `runbook`, `alerting`, `tier:<tier name>`, and where the indicator's queries
 * are written: `query:events` and `query:total` (event queries), `query:ratio` (a ratio expression),
 * `query:latency` (a latency indicator).
 */
export interface LoadedSlo {
  readonly slo: Slo;
  readonly at: Readonly<Record<string, Location>>;
}

export interface ReadResult {
  readonly slos: LoadedSlo[];
  readonly errors: LocatedProblem[];
  /** Budget corrections read (burnwatch/v1 only), not yet matched to the SLOs they name. */
  readonly corrections?: LoadedCorrection[];
}

/** An entry of a correction's `slos` list: an SLO id, or label matchers that must all hold for the SLO's labels. */
export type CorrectionTarget =
  | { readonly kind: 'id'; readonly id: string; readonly at: Location }
  | { readonly kind: 'matchers'; readonly text: string; readonly matchers: readonly Matcher[]; readonly at: Location };

/** A budget correction read from a file, with the SLOs it names and where its name is written. */
export interface LoadedCorrection {
  readonly correction: BudgetCorrection;
  readonly targets: readonly CorrectionTarget[];
  readonly at: Location;
}

/** Location of a model field, falling back to the SLO's id (which every reader records). */
export function locationOf(loaded: LoadedSlo, key: string): Location {
  return loaded.at[key] ?? loaded.at['id'] ?? { file: loaded.slo.source.file, line: 1, col: 1, path: '' };
}
