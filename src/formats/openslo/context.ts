import { checkPromqlSyntax, hasWindowPlaceholder, misspeltPlaceholder, renderWindow } from '../../promql/syntax.js';
import { DAY, HOUR, MINUTE, WEEK, formatDuration } from '../../slo/duration.js';
import type {
  AlertingPolicy,
  Budgeting,
  CalendarUnit,
  EventQuery,
  Indicator,
  Period,
  Severity,
  SeverityPolicy,
  Slo,
  SpecFormat,
} from '../../slo/model.js';
import { nominalPeriodMs, resolveTiers } from '../../slo/windows.js';
import type { TierOverride } from '../../slo/windows.js';
import type { DetectedObject, ReadOptions } from '../readers.js';
import type { LoadedSlo, ReadResult } from '../loaded.js';
import type { Location, PathSegment, LocatedProblem } from '../located.js';
import { formatPath } from '../located.js';
import { DEFAULT_ALERT_NAME, isTimeZone } from '../native/to-model.js';
import { checkWindowTemplate } from '../query-checks.js';
import { closest, issuesToErrors } from '../zod-errors.js';
import {
  counterRateTemplate,
  counterSelector,
  gaugeRatioTemplate,
  rawRatioTemplate,
  selectorRateTemplate,
  thresholdTemplate,
} from './promql.js';
import type { Placed, ResolvedPolicy, ResolvedSlo, TopObject } from './resolve.js';
import { ObjectIndex, isRecord, locateIn, placedChild, resolvePolicy, resolveSlo } from './resolve.js';
import {
  AlertConditionSpec,
  AlertNotificationTargetSpec,
  AlertPolicySpec,
  SHORTHAND_RE,
  SliSpec,
  V1ALPHA_KINDS,
  V1ALPHA_SCHEMAS,
  V1_KINDS,
  V1_SCHEMAS,
  V1Slo,
  V1alphaSlo,
} from './schema.js';
import type { Objective, Operator, TimeWindow, V1Kind, V1alphaQuery, V1alphaTimeWindow } from './schema.js';


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
