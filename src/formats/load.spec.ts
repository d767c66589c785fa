import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpecs, loadSpecTexts } from './load.js';

/**
 * Where each loaded SLO is written: its file and the line of its name, in every format. The expected lines
 * are read off the files by eye (`grep -n name:`), not from the loader.
 */

const repo = fileURLToPath(new URL('../../', import.meta.url));
const corpus = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
/** `corpus:` paths are in the shared corpus, others in the repository. */
const pathOf = (name: string): string => (name.startsWith('corpus:') ? `${corpus}${name.slice(7)}` : `${repo}${name}`);

describe('the source of a loaded SLO', () => {
  it.each([
    // burnwatch/v1: metadata.name on line 7 under the comments.
    ['slos/checkout-availability.yaml', 'checkout-availability', 0, 7],
    // Sloth: two SLOs in one document, each on the line of its list item's name.
    ['corpus:sloth/specs/home-wifi.yml', 'home-wifi-good-wifi-client-satisfaction', 0, 29],
    ['corpus:sloth/specs/home-wifi.yml', 'home-wifi-risk-wifi-client-satisfaction', 0, 45],
    // Sloth: one SLO in each of two documents.
    ['corpus:sloth/specs/multifile.yml', 'myservice2-requests-availability', 1, 42],
    // OpenSLO: a top-level list in one document (both document 0).
    ['corpus:openslo/go-sdk/inline/inputs/v1_slo.yaml', 'my-slo-2', 0, 35],
    // Pyrra: the second document.
    ['corpus:pyrra/examples/nginx.yaml', 'nginx-api-latency', 1, 23],
  ])('%s: %s is document %i, line %i', (name, id, document, line) => {
    const file = pathOf(name);
    const slo = loadSpecs([file], { cwd: repo }).slos.find((s) => s.id === id || s.id.endsWith(`.${id}`));
    expect(slo?.source).toMatchObject({ file, document, line });
  });

  it('counts lines from the top of the file, comments and earlier documents included', () => {
    const doc = (name: string, first: string[]): string[] => [...first, 'spec:', '  objective: 99', '  indicator:', '    events:', `      errors: http_requests_total{job="${name}",code=~"5.."}`, `      total: http_requests_total{job="${name}"}`];
    const text = [
      '# two SLOs', // 1
      '---', // 2
      ...doc('a', ['apiVersion: burnwatch/v1', 'kind: SLO', 'metadata:', '  name: a', '  service: s']), // 3-7, name on 6
      '---', // 14
      '', // 15
      ...doc('b', ['apiVersion: burnwatch/v1', 'kind: SLO', 'metadata:', '  service: s', '  name: b']), // 16-20, name on 20
      '',
    ].join('\n');
    const { slos, errors } = loadSpecTexts([{ file: 'two.yaml', text }], { runbookRoot: repo });
    expect(errors).toEqual([]);
    expect(slos.map((s) => [s.id, s.source.line])).toEqual([['a', 6], ['b', 20]]);
  });
});
