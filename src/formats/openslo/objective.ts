import type { Slo, SpecFormat } from '../../slo/model.js';
import type { Placed } from './resolve.js';
import { locateIn } from './resolve.js';
import type { Context } from './context.js';

/**
 * What both OpenSLO versions make alike for the burnwatch SLO of one objective: the objective as a
 * percentage, and the SLO itself from its parts.
 */

/** `target` x 100 or `targetPercent` (v1 only); 0 cannot be evaluated and is reported. */
export function objectivePercent(ctx: Context, objPlaced: Placed, objective: { readonly target?: number | undefined; readonly targetPercent?: number | undefined }): number | undefined {
  const percent = objective.targetPercent ?? (objective.target === undefined ? undefined : objective.target * 100);
  if (percent === undefined) return undefined;
  if (percent <= 0) {
    ctx.errors.push({
      ...locateIn(objPlaced, [objective.target === undefined ? 'targetPercent' : 'target']),
      message: 'an objective of 0 cannot be evaluated: every event would be within budget',
      hint: objective.target === undefined ? 'write the percentage of good events, e.g. targetPercent: 99.9' : 'write the ratio of good events, e.g. target: 0.999',
    });
    return undefined;
  }
  return percent;
}

/** The SLO object as both versions write it (metadata and spec), as far as every objective shares it. */
export interface SloObject {
  readonly metadata: { readonly name: string; readonly displayName?: string | undefined };
  readonly spec: {
    readonly service: string;
    readonly description?: string | undefined;
    readonly objectives: readonly { readonly displayName?: string | undefined }[];
  };
}

/** What differs between the versions in the SLO of one objective. */
export type ObjectiveParts = Pick<Slo, 'id' | 'name' | 'labels' | 'objective' | 'period' | 'budgeting' | 'indicator' | 'alerting'>;

/**
 * The burnwatch SLO of objective `index`. With several objectives, an objective's display name is added to
 * the SLO's (`SLO: objective`), so the SLOs of one file tell apart.
 */
export function objectiveSlo(top: Placed, file: SloObject, index: number, format: SpecFormat, parts: ObjectiveParts): Slo {
  const { metadata, spec } = file;
  const own = spec.objectives.length > 1 ? spec.objectives[index]?.displayName : undefined;
  const displayName = own === undefined ? metadata.displayName : metadata.displayName === undefined ? own : `${metadata.displayName}: ${own}`;
  return {
    id: parts.id,
    name: parts.name,
    service: spec.service,
    ...(displayName === undefined ? {} : { displayName }),
    ...(spec.description === undefined ? {} : { description: spec.description }),
    labels: parts.labels,
    objective: parts.objective,
    period: parts.period,
    budgeting: parts.budgeting,
    indicator: parts.indicator,
    groupBy: [],
    alerting: parts.alerting,
    maintenance: [],
    source: { file: top.doc.file, document: top.doc.index, format },
  };
}
