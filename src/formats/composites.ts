import type { Slo } from '../slo/model.js';
import type { LoadedSlo } from './loaded.js';
import { locationOf } from './loaded.js';
import type { LocatedProblem } from './located.js';
import { closest } from './zod-errors.js';

/**
 * Composite SLOs refer to other SLOs by id, in any file and format, so they are checked once every file is read:
 * each child must be loaded, listed once, not lead back to the composite (a composite of composites that loops),
 * and group by the same labels as its siblings (the composite combines the children's instances with the same
 * labels). A composite that passes takes its children's `groupBy`; one that fails is left out, with its errors
 * located at the child entry. Pure.
 */
export function resolveComposites(loaded: readonly LoadedSlo[]): { loaded: LoadedSlo[]; errors: LocatedProblem[] } {
  const byId = new Map<string, LoadedSlo>();
  for (const l of loaded) if (!byId.has(l.slo.id)) byId.set(l.slo.id, l);
  const errors: LocatedProblem[] = [];
  const failed = new Set<string>();
  const ids = [...byId.keys()];

  for (const l of loaded) {
    const { indicator } = l.slo;
    if (indicator.kind !== 'composite') continue;
    const seen = new Set<string>();
    indicator.children.forEach((child, i) => {
      const at = locationOf(l, `child:${i}`);
      if (seen.has(child.sloId)) {
        errors.push({ ...at, message: `child "${child.sloId}" is listed twice`, hint: 'list each child once and give it the weight of both entries' });
        failed.add(l.slo.id);
      }
      seen.add(child.sloId);
      if (!byId.has(child.sloId)) {
        const near = closest(child.sloId, ids.filter((id) => id !== l.slo.id));
        errors.push({
          ...at,
          message: `child "${child.sloId}" is not a loaded SLO`,
          hint: near === undefined ? 'give the id of an SLO in the SLO folder (its metadata.name, or metadata.id); an SLO whose file has errors is not loaded' : `did you mean "${near}"?`,
        });
        failed.add(l.slo.id);
        return;
      }
      const loop = pathBack(child.sloId, l.slo.id, byId, new Set());
      if (loop !== undefined) {
        errors.push({
          ...at,
          message: `child "${child.sloId}" leads back to this composite: ${[l.slo.id, ...loop].join(' -> ')}`,
          hint: 'a composite cannot contain itself; remove one of the links of the loop',
        });
        failed.add(l.slo.id);
      }
    });
  }

  // groupBy, from the leaves up (a composite's comes from its children); loops were reported above.
  const groupBy = new Map<string, readonly string[]>();
  const groupOf = (id: string, stack: Set<string>): readonly string[] | undefined => {
    const known = groupBy.get(id);
    if (known !== undefined) return known;
    const l = byId.get(id);
    if (l === undefined || stack.has(id)) return undefined;
    if (l.slo.indicator.kind !== 'composite') return l.slo.groupBy;
    stack.add(id);
    const children = l.slo.indicator.children.map((c) => ({ id: c.sloId, by: groupOf(c.sloId, stack) }));
    stack.delete(id);
    const first = children.find((c) => c.by !== undefined);
    if (first?.by === undefined) return undefined;
    children.forEach((c, i) => {
      if (c.by === undefined || sameLabels(c.by, first.by ?? [])) return;
      errors.push({
        ...locationOf(l, `child:${i}`),
        message: `child "${c.id}" groups by ${labelList(c.by)} but child "${first.id}" by ${labelList(first.by ?? [])}`,
        hint: 'a composite combines the instances of its children that have the same labels: give every child the same groupBy',
      });
      failed.add(id);
    });
    groupBy.set(id, first.by);
    return first.by;
  };
  for (const id of ids) groupOf(id, new Set());

  const out: LoadedSlo[] = [];
  for (const l of loaded) {
    if (l.slo.indicator.kind !== 'composite') {
      out.push(l);
      continue;
    }
    if (failed.has(l.slo.id)) continue;
    const slo: Slo = { ...l.slo, groupBy: [...(groupBy.get(l.slo.id) ?? [])] };
    out.push({ ...l, slo });
  }
  return { loaded: out, errors };
}

/** The ids from `from` down to `target` through composite children, when `target` can be reached. */
function pathBack(from: string, target: string, byId: ReadonlyMap<string, LoadedSlo>, visited: Set<string>): string[] | undefined {
  if (from === target) return [target];
  if (visited.has(from)) return undefined;
  visited.add(from);
  const indicator = byId.get(from)?.slo.indicator;
  if (indicator?.kind !== 'composite') return undefined;
  for (const c of indicator.children) {
    const rest = pathBack(c.sloId, target, byId, visited);
    if (rest !== undefined) return [from, ...rest];
  }
  return undefined;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

function labelList(labels: readonly string[]): string {
  return labels.length === 0 ? 'no labels (one instance)' : `[${labels.join(', ')}]`;
}
