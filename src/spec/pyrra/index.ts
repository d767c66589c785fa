import type { FormatReader } from '../formats.js';

/** Pyrra `pyrra.dev/v1alpha1` ServiceLevelObjective. (Stub: filled in by the Pyrra importer.) */
export const pyrraReader: FormatReader = {
  family: 'pyrra',
  describes: 'Pyrra pyrra.dev/v1alpha1 ServiceLevelObjective',
  detect: (v) => (v['apiVersion'] === 'pyrra.dev/v1alpha1' ? 'pyrra/v1alpha1' : undefined),
  read: (objects) => ({ slos: [], errors: objects.map((o) => ({ ...o.doc.locate([]), message: 'Pyrra files are not read yet' })) }),
};
