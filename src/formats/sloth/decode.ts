import type { z } from 'zod';
import type { DetectedObject } from '../readers.js';
import type { LocatedDocument, PathSegment, LocatedProblem } from '../located.js';
import { issuesToErrors } from '../zod-errors.js';
import { ALERT_WINDOWS_KIND, PROMETHEUS_V1, SERVICE_LEVEL_KIND, SLOTH_API_V1 } from './schema.js';

/** How Sloth decodes every object, service levels and AlertWindows alike: version checks, then a lenient parse. */

const READS = `burnwatch reads Sloth "version: ${PROMETHEUS_V1}" files and "apiVersion: ${SLOTH_API_V1}" objects of kind ${SERVICE_LEVEL_KIND} or ${ALERT_WINDOWS_KIND}`;

/** The version checks Sloth does before decoding: a clear message for other Sloth versions and kinds. */
export function headerError(o: DetectedObject): LocatedProblem | undefined {
  const v = o.value;
  if (v['version'] !== undefined && v['apiVersion'] === undefined) {
    if (v['version'] === PROMETHEUS_V1) return undefined;
    return { ...o.doc.locate(['version']), message: `unsupported Sloth spec version ${JSON.stringify(v['version'])}`, hint: `write version: ${PROMETHEUS_V1}; ${READS}` };
  }
  if (v['apiVersion'] !== SLOTH_API_V1) {
    return { ...o.doc.locate(['apiVersion']), message: `unsupported Sloth apiVersion ${JSON.stringify(v['apiVersion'])}`, hint: `write apiVersion: ${SLOTH_API_V1}; ${READS}` };
  }
  if (v['kind'] !== SERVICE_LEVEL_KIND && v['kind'] !== ALERT_WINDOWS_KIND) {
    return { ...o.doc.locate(v['kind'] === undefined ? [] : ['kind']), message: `unknown Sloth kind ${JSON.stringify(v['kind'])}`, hint: `write kind: ${SERVICE_LEVEL_KIND} (SLOs) or kind: ${ALERT_WINDOWS_KIND} (alert windows); ${READS}` };
  }
  return undefined;
}

/**
 * Parses like Sloth's lenient decoder: the schema is strict so unknown keys are reported, but only as
 * warnings with a did-you-mean hint; they are then removed and the rest is parsed.
 */
export function parseLenient<S extends z.ZodType>(schema: S, doc: LocatedDocument, raw: unknown): { data?: z.infer<S>; errors: LocatedProblem[] } {
  const first = schema.safeParse(raw, { reportInput: true });
  if (first.success) return { data: first.data, errors: [] };
  const unknown = first.error.issues.filter((i) => i.code === 'unrecognized_keys');
  const other = first.error.issues.filter((i) => i.code !== 'unrecognized_keys');
  const warnings: LocatedProblem[] = issuesToErrors(unknown, doc, schema).map((e) => ({
    ...e,
    severity: 'warning',
    message: `${e.message} is ignored (Sloth ignores unknown fields too)`,
  }));
  if (other.length > 0) return { errors: [...warnings, ...issuesToErrors(other, doc, schema)] };
  const stripped = structuredClone(raw);
  for (const issue of unknown) {
    if (issue.code !== 'unrecognized_keys') continue;
    const parent = valueAt(stripped, issue.path as PathSegment[]);
    if (isRecord(parent)) for (const key of issue.keys) Reflect.deleteProperty(parent, key);
  }
  const second = schema.safeParse(stripped, { reportInput: true });
  if (second.success) return { data: second.data, errors: warnings };
  return { errors: [...warnings, ...issuesToErrors(second.error.issues, doc, schema)] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function valueAt(v: unknown, path: readonly PathSegment[]): unknown {
  let cur = v;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}
