import { matchesAll } from '../routing/matchers.js';
import type { Slo } from '../slo/model.js';
import type { CorrectionTarget, LoadedCorrection, LoadedSlo } from './loaded.js';
import type { LocatedProblem } from './located.js';

/**
 * Budget corrections matched to the SLOs they name, once every SLO file is read: each SLO gets the corrections
 * whose `slos` list names it by id or whose matchers hold for its labels. Names are unique across the files
 * (an error at the second); an id no SLO has, or matchers no SLO's labels satisfy, is a warning at the entry
 * (the correction may be meant for an SLO that is not written yet, or was removed). Pure.
 */
export function applyCorrections(loaded: readonly LoadedSlo[], corrections: readonly LoadedCorrection[]): { loaded: LoadedSlo[]; problems: LocatedProblem[] } {
  const problems: LocatedProblem[] = [];
  const kept: LoadedCorrection[] = [];
  const seen = new Map<string, LoadedCorrection>();
  for (const c of corrections) {
    const first = seen.get(c.correction.name);
    if (first !== undefined) {
      problems.push({ ...c.at, message: `duplicate correction name "${c.correction.name}": also defined at ${first.at.file}:${first.at.line}:${first.at.col}`, hint: 'correction names must be unique across all files; rename one of them' });
      continue;
    }
    seen.set(c.correction.name, c);
    kept.push(c);
  }
  for (const c of kept) {
    for (const t of c.targets) {
      if (loaded.some((l) => names(t, l.slo))) continue;
      problems.push(t.kind === 'id'
        ? { ...t.at, severity: 'warning', message: `no SLO has the id "${t.id}": the correction "${c.correction.name}" applies to no SLO through it`, hint: 'check the id (metadata.name, or metadata.id when given; Sloth: <service>-<name>)' }
        : { ...t.at, severity: 'warning', message: `the matchers ${t.text} hold for no SLO: the correction "${c.correction.name}" applies to no SLO through them`, hint: 'matchers are checked against each SLO\'s labels, its routing labels, slo (the id) and service' });
    }
  }
  const out = loaded.map((l) => {
    const mine = kept.filter((c) => c.targets.some((t) => names(t, l.slo))).map((c) => c.correction).sort((a, b) => a.startMs - b.startMs || a.name.localeCompare(b.name));
    return mine.length === 0 ? l : { ...l, slo: { ...l.slo, corrections: mine } };
  });
  return { loaded: out, problems };
}

/** The labels a correction's matchers are checked against: the SLO's own and routing labels, slo and service. */
export function correctionLabels(slo: Slo): Record<string, string> {
  return { ...slo.labels, ...slo.alerting.labels, slo: slo.id, service: slo.service };
}

function names(t: CorrectionTarget, slo: Slo): boolean {
  return t.kind === 'id' ? slo.id === t.id : matchesAll(t.matchers, correctionLabels(slo));
}
