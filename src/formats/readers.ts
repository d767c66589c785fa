import type { SpecFormat } from '../slo/model.js';
import type { ReadResult } from './loaded.js';
import type { LocatedDocument, LocatedProblem } from './located.js';
import { readCorrection } from './native/correction.js';
import { readNative } from './native/to-model.js';

/** One object of a file (a YAML document, or one item of a top-level YAML list) and the format detected. */
export interface DetectedObject {
  readonly doc: LocatedDocument;
  readonly format: SpecFormat;
  readonly value: Readonly<Record<string, unknown>>;
}

export interface ReadOptions {
  /** Default SLO period for formats without one per SLO (Sloth's `--default-slo-period`), in ms. */
  readonly defaultPeriodMs?: number;
}

/**
 * A file format burnwatch reads. Readers receive every object of their family from every file at once,
 * because some formats refer across files (OpenSLO `*Ref`s, Sloth `AlertWindows` catalogs).
 */
export interface FormatReader {
  readonly family: string;
  /** A short description for "formats burnwatch reads" messages. */
  readonly describes: string;
  /** The format of an object, or undefined when it is not of this family. */
  detect(value: Readonly<Record<string, unknown>>): SpecFormat | undefined;
  read(objects: readonly DetectedObject[], options: ReadOptions): ReadResult;
}

export const nativeReader: FormatReader = {
  family: 'burnwatch',
  describes: 'burnwatch/v1 SLO, CompositeSLO and BudgetCorrection',
  detect: (value) => (value['apiVersion'] === 'burnwatch/v1' ? 'burnwatch/v1' : undefined),
  read(objects) {
    const out: Required<ReadResult> = { slos: [], errors: [], corrections: [] };
    for (const o of objects) {
      if (o.value['kind'] === 'BudgetCorrection') {
        const r = readCorrection(o.doc);
        out.corrections.push(...r.corrections);
        out.errors.push(...r.errors);
        continue;
      }
      const r = readNative(o.doc);
      out.slos.push(...r.slos);
      out.errors.push(...r.errors);
    }
    return out;
  },
};

/** Formats recognised only to say clearly that burnwatch does not read them. */
export interface UnsupportedFormat {
  readonly matches: (value: Readonly<Record<string, unknown>>) => boolean;
  readonly name: string;
  readonly hint: string;
}

export function unknownFormatError(doc: LocatedDocument, value: Readonly<Record<string, unknown>>, readers: readonly FormatReader[], unsupported: readonly UnsupportedFormat[]): LocatedProblem {
  const known = readers.map((r) => r.describes).join('; ');
  const u = unsupported.find((x) => x.matches(value));
  if (u) return { ...doc.locate([]), message: `${u.name} is not a format burnwatch reads`, hint: `${u.hint}; burnwatch reads: ${known}` };
  const saw = describeHeader(value);
  const at = doc.locate(value['apiVersion'] !== undefined ? ['apiVersion'] : value['version'] !== undefined ? ['version'] : []);
  return { ...at, message: `unknown SLO format (${saw})`, hint: `burnwatch reads: ${known}` };
}

function describeHeader(value: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const key of ['apiVersion', 'kind', 'version']) {
    if (value[key] !== undefined) parts.push(`${key}: ${JSON.stringify(value[key])}`);
  }
  return parts.length > 0 ? `saw ${parts.join(', ')}` : 'no apiVersion, kind or version field';
}
