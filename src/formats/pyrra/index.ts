import type { FormatReader } from '../readers.js';
import type { ReadResult } from '../loaded.js';
import { readPyrra } from './to-model.js';

/** Pyrra `pyrra.dev/v1alpha1` ServiceLevelObjective (Kubernetes CRD or Pyrra's filesystem mode). */
export const pyrraReader: FormatReader = {
  family: 'pyrra',
  describes: 'Pyrra pyrra.dev/v1alpha1 ServiceLevelObjective',
  detect: (v) => (v['apiVersion'] === 'pyrra.dev/v1alpha1' ? 'pyrra/v1alpha1' : undefined),
  read(objects) {
    const out: ReadResult = { slos: [], errors: [] };
    for (const o of objects) {
      const r = readPyrra(o.doc);
      out.slos.push(...r.slos);
      out.errors.push(...r.errors);
    }
    return out;
  },
};
