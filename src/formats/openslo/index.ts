import type { FormatReader } from '../readers.js';
import { readOpenSlo } from './to-model.js';

/**
 * OpenSLO `openslo/v1` (SLO, SLI, AlertPolicy, AlertCondition, AlertNotificationTarget, DataSource, Service)
 * and `openslo/v1alpha` (the version Sloth reads). References between objects are resolved across every
 * file of one load. `openslo.com/v2alpha` is not claimed here: the registry rejects it with its own message.
 */
export const opensloReader: FormatReader = {
  family: 'openslo',
  describes: 'OpenSLO openslo/v1 and openslo/v1alpha',
  detect: (v) => (v['apiVersion'] === 'openslo/v1' ? 'openslo/v1' : v['apiVersion'] === 'openslo/v1alpha' ? 'openslo/v1alpha' : undefined),
  read: (objects, options) => readOpenSlo(objects, options),
};
