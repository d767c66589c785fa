import type { SpecFormat } from '../../slo/model.js';
import type { FormatReader } from '../readers.js';
import { ALERT_WINDOWS_KIND } from './schema.js';
import { readSloth } from './to-model.js';

/**
 * Which Sloth format an object is. Other Sloth versions (`version: prometheus/v999`,
 * `apiVersion: sloth.slok.dev/v2`) are detected too, so the reader rejects them with a message that names
 * the versions burnwatch reads instead of "unknown format".
 */
export function detectSloth(value: Readonly<Record<string, unknown>>): SpecFormat | undefined {
  const apiVersion = value['apiVersion'];
  if (typeof apiVersion === 'string') {
    if (!apiVersion.startsWith('sloth.slok.dev/')) return undefined;
    return value['kind'] === ALERT_WINDOWS_KIND ? 'sloth/alert-windows-v1' : 'sloth/kubernetes-v1';
  }
  const version = value['version'];
  if (typeof version === 'string' && /^prometheus\/v\d/.test(version)) return 'sloth/prometheus-v1';
  return undefined;
}

/** Sloth `prometheus/v1`, `sloth.slok.dev/v1` PrometheusServiceLevel and AlertWindows. */
export const slothReader: FormatReader = {
  family: 'sloth',
  describes: 'Sloth prometheus/v1, sloth.slok.dev/v1 PrometheusServiceLevel and AlertWindows',
  detect: detectSloth,
  read: readSloth,
};
