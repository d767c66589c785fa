import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { nativeJsonSchema } from './json-schema.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const committed = JSON.parse(readFileSync(join(repo, 'schema/burnwatch-v1.json'), 'utf8')) as Record<string, unknown>;

function documentsOf(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((d) => (Array.isArray(d) ? [] : [d.toJSON() as unknown]));
}

describe('schema/burnwatch-v1.json', () => {
  it('is the schema generated from the zod schema (run npm run schema after changing it)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(nativeJsonSchema())));
  });

  // An independent JSON Schema validator (ajv) is the check: it is what editors run on the files.
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(committed);
  const examples = readdirSync(join(repo, 'slos')).filter((f) => f.endsWith('.yaml'));

  it('has examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples)('accepts the example slos/%s', (file) => {
    for (const doc of documentsOf(join(repo, 'slos', file))) {
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('accepts a budget correction', () => {
    const correction = { apiVersion: 'burnwatch/v1', kind: 'BudgetCorrection', metadata: { name: '2026-11-22-dns-outage' }, spec: { slos: ['checkout-availability', 'service="checkout"'], start: '2026-11-22T02:00:00Z', end: '2026-11-22T02:20:00Z', reason: 'upstream DNS provider outage, not ours' } };
    expect(validate(correction), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...correction, spec: { ...correction.spec, every: '1w', end: undefined, duration: '20m' } }), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['a correction without a reason', '51-correction-without-reason.yaml'],
    ['an unknown key', '04-unknown-top-level-key.yaml'],
    ['a misspelt field', '05-misspelt-objective.yaml'],
    ['a bad duration', '11-bad-period.yaml'],
    ['an objective of 100', '09-objective-100.yaml'],
    ['an unknown severity', '33-unknown-severity.yaml'],
  ])('rejects %s', (_what, file) => {
    const [doc] = documentsOf(join(repo, 'test/fixtures/broken', file));
    expect(validate(doc)).toBe(false);
  });
});

describe('schema/burnwatch-v1.json for kind: CompositeSLO', () => {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(committed);
  const journey = (children: unknown): unknown => ({
    apiVersion: 'burnwatch/v1',
    kind: 'CompositeSLO',
    metadata: { name: 'checkout-journey', service: 'checkout' },
    spec: { objective: 99.5, period: '28d', method: 'weightedEvents', children, alerting: { runbook: 'runbooks/checkout-journey.md', inhibitChildren: true } },
  });

  it('accepts the composite of the README', () => {
    expect(validate(journey([{ slo: 'catalogue-availability', weight: 1 }, { slo: 'payments-availability', weight: 2 }])), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['a weight of 0', [{ slo: 'a', weight: 0 }]],
    ['no children', []],
    ['an indicator in a child entry', [{ slo: 'a', indicator: {} }]],
  ])('rejects %s', (_what, children) => {
    expect(validate(journey(children))).toBe(false);
  });
});
