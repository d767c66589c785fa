import type { FormatReader, UnsupportedFormat } from './readers.js';
import { nativeReader } from './readers.js';
import { opensloReader } from './openslo/index.js';
import { opensloV2alphaReader } from './openslo/v2alpha.js';
import { pyrraReader } from './pyrra/index.js';
import { slothReader } from './sloth/index.js';

/** Every SLO file format burnwatch reads: one line per format. */
export const readers: readonly FormatReader[] = [nativeReader, slothReader, opensloReader, opensloV2alphaReader, pyrraReader];

/** Formats we recognise only to reject them with a clear message. */
export const unsupportedFormats: readonly UnsupportedFormat[] = [
  {
    matches: (v) => v['apiVersion'] === 'sre.google.com/v2' || v['apiVersion'] === 'sre.google.com/v1',
    name: `Google slo-generator (${'sre.google.com'})`,
    hint: 'convert it to burnwatch/v1 by hand (see the README migration notes)',
  },
  {
    matches: (v) => typeof v['apiVersion'] === 'string' && v['apiVersion'].startsWith('openslo.com/') && v['apiVersion'] !== 'openslo.com/v2alpha',
    name: 'this OpenSLO draft version',
    hint: 'write the SLO as openslo/v1 or openslo.com/v2alpha',
  },
];
