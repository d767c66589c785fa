import type { LocatedProblem } from '../located.js';
import { formatPath } from '../located.js';
import type { ObjectIndex, Placed } from './resolve.js';
import { locateIn } from './resolve.js';

/** What the mapping of one OpenSLO SLO carries along: its name, the objects of the load, the problems found. */
export interface Context {
  readonly sloName: string;
  readonly index: ObjectIndex;
  readonly errors: LocatedProblem[];
  /** Unsupported data source types already reported for this SLO. */
  readonly reportedTypes: Set<string>;
}

/** A missing field: located at the map that lacks it, its path naming the field. */
export function missing(placed: Placed, field: string, message: string, hint: string): LocatedProblem {
  return { ...locateIn(placed), path: formatPath([...placed.doc.prefix, ...placed.path, field]), message, hint };
}
