import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { badError, textAttacks } from '../../test/support/spec-fuzz.js';
import { loadSpecTexts } from './load.js';
import type { LoadResult } from './load.js';

/**
 * The loader is fed by people typing YAML and by anyone who can push to the SLO repository: whatever it
 * gets, it returns a model or located errors and never throws. Inputs are the example SLOs broken the way
 * files get broken by hand, hostile files (alias bombs, deep nesting, huge strings, many documents, binary,
 * other encodings) at a small scale, and plain garbage. `npm run fuzz` runs the same at full scale, on disk.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const examples = readdirSync(join(repo, 'slos')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(repo, 'slos', f), 'utf8'));

function assertModelOrLocatedErrors(result: LoadResult, file: string): void {
  expect(result.errors.length > 0 || result.slos.length > 0).toBe(true);
  for (const e of result.errors) {
    expect(e.file).toBe(file);
    expect(badError(e)).toBeUndefined();
  }
}

/** Limits below the defaults, so small inputs reach them. */
const limits = { maxDepth: 32, maxValues: 5_000, maxStringLength: 4_096, maxDocuments: 100, maxFileBytes: 256 * 1024 };

function load(content: string | Uint8Array): LoadResult {
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  return loadSpecTexts([{ file: 'slos/fuzzed.yaml', text }], { cwd: repo, limits });
}

describe('spec loader under broken, hostile and garbage input', () => {
  it('returns a model or located errors for broken and hostile files, never throws', () => {
    fc.assert(
      fc.property(textAttacks(examples, 'small'), ({ content }) => {
        assertModelOrLocatedErrors(load(content), 'slos/fuzzed.yaml');
      }),
      { numRuns: 300 },
    );
  }, 120_000); // 300 files of up to 256 KiB: a few seconds alone, far longer on a loaded machine

  it('returns located errors for garbage: random YAML values, random objects shaped like SLOs', () => {
    const sloLike = fc.record({
      apiVersion: fc.oneof(fc.constant('burnwatch/v1'), fc.string()),
      kind: fc.oneof(fc.constant('SLO'), fc.string()),
      metadata: fc.oneof(fc.record({ name: fc.string(), service: fc.string() }), fc.anything()),
      spec: fc.oneof(fc.record({ objective: fc.oneof(fc.double(), fc.string()), indicator: fc.anything(), period: fc.anything() }), fc.anything()),
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue().map((v) => stringify(v)), sloLike.map((v) => stringify(v))), (text) => {
        assertModelOrLocatedErrors(load(text), 'slos/fuzzed.yaml');
      }),
      { numRuns: 300 },
    );
  });
});
