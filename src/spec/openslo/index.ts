import type { FormatReader } from '../formats.js';

/** OpenSLO `openslo/v1` and `openslo/v1alpha`. (Stub: filled in by the OpenSLO importer.) */
export const opensloReader: FormatReader = {
  family: 'openslo',
  describes: 'OpenSLO openslo/v1 and openslo/v1alpha',
  detect: (v) => (v['apiVersion'] === 'openslo/v1' ? 'openslo/v1' : v['apiVersion'] === 'openslo/v1alpha' ? 'openslo/v1alpha' : undefined),
  read: (objects) => ({ slos: [], errors: objects.map((o) => ({ ...o.doc.locate([]), message: 'OpenSLO files are not read yet' })) }),
};
