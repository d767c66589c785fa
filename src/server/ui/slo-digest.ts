import { createHash } from 'node:crypto';
import type { Slo } from '../../slo/model.js';

/** Digests of SLO definitions, by object: a reload makes new objects, and an unchanged definition the same digest. */
const digests = new WeakMap<Slo, string>();

/**
 * A digest of everything an SLO's definition holds that a figure computed from it depends on: all of it but
 * where it is written (a line added above it changes nothing).
 */
export function sloDigest(slo: Slo): string {
  let digest = digests.get(slo);
  if (digest === undefined) {
    const { source: _source, ...definition } = slo;
    digest = createHash('sha256').update(JSON.stringify(definition)).digest('base64');
    digests.set(slo, digest);
  }
  return digest;
}
