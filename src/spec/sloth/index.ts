import type { FormatReader } from '../formats.js';

/** Sloth `prometheus/v1`, `sloth.slok.dev/v1` PrometheusServiceLevel and AlertWindows. (Stub: filled in by the Sloth importer.) */
export const slothReader: FormatReader = {
  family: 'sloth',
  describes: 'Sloth prometheus/v1, sloth.slok.dev/v1 PrometheusServiceLevel and AlertWindows',
  detect: (v) => (v['version'] === 'prometheus/v1' ? 'sloth/prometheus-v1' : undefined),
  read: (objects) => ({ slos: [], errors: objects.map((o) => ({ ...o.doc.locate([]), message: 'Sloth files are not read yet' })) }),
};
