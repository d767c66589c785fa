import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatGoFloat } from './float.js';

const SLOTH = fileURLToPath(new URL('../../../shared/corpus/sloth/', import.meta.url));

/** Every number Sloth printed in a threshold `(<factor> * <budget>)` or a `vector(...)` of its outputs. */
function slothLiterals(): Set<string> {
  const files = [
    ...readdirSync(`${SLOTH}generated`).map((f) => `${SLOTH}generated/${f}`),
    ...readdirSync(`${SLOTH}integration`).filter((f) => f.endsWith('.tpl')).map((f) => `${SLOTH}integration/${f}`),
  ];
  const out = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\(([-+.\de]+) \* ([-+.\de]+)\)/g)) { out.add(m[1] ?? ''); out.add(m[2] ?? ''); }
    for (const m of text.matchAll(/vector\((?:1-)?([-+.\de]+)\)/g)) out.add(m[1] ?? '');
  }
  out.delete('');
  return out;
}

describe('formatGoFloat', () => {
  it('prints every factor, budget and objective literal of Sloth\'s outputs exactly as Sloth (Go) did', () => {
    const literals = slothLiterals();
    expect(literals.size).toBeGreaterThan(10);
    for (const lit of literals) expect(formatGoFloat(Number(lit)), lit).toBe(lit);
  });

  // Go's strconv.FormatFloat(x, 'g', -1, 64): exponent form below 1e-4 and from 1e6 (ftoa.go, eprec = 6).
  it.each([
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [999999, '999999'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [123456789.125, '1.23456789125e+08'],
    [1e21, '1e+21'],
    [-2.5, '-2.5'],
    [0, '0'],
  ])('formats %d as %s', (n, text) => {
    expect(formatGoFloat(n)).toBe(text);
    expect(Number(text)).toBe(n);
  });
});
