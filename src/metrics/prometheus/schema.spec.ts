import { describe, expect, it } from 'vitest';
import { msToSecondsParam, parseSampleValue, QueryData, secondsToMs } from './schema.js';

describe('parseSampleValue', () => {
  // Texts as Go's strconv.AppendFloat(v, 'f'|'e', -1, 64) writes them in Prometheus responses.
  it.each([
    ['0', 0],
    ['42', 42],
    ['-0.5', -0.5],
    ['0.09090909090909091', 1 / 11],
    ['1e-07', 1e-7],
    ['1.5e+21', 1.5e21],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ])('%s -> %d', (text, value) => {
    expect(parseSampleValue(text)).toBe(value);
  });

  it('maps "NaN" to NaN', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
  });

  it('rejects text that is not a number (Number() would give NaN or 0)', () => {
    expect(parseSampleValue('abc')).toBeUndefined();
    expect(parseSampleValue('')).toBeUndefined();
    expect(parseSampleValue(' ')).toBeUndefined();
  });
});

describe('time conversions', () => {
  it('rounds float seconds to whole milliseconds', () => {
    expect(secondsToMs(1795507670.075)).toBe(1795507670075);
    expect(secondsToMs(1795485600)).toBe(1795485600000);
  });

  it('writes unix seconds with exactly three decimals', () => {
    expect(msToSecondsParam(1795485600123)).toBe('1795485600.123');
    expect(msToSecondsParam(1795485600000)).toBe('1795485600.000');
    expect(msToSecondsParam(5)).toBe('0.005');
    expect(() => msToSecondsParam(1.5)).toThrow(RangeError);
  });
});

describe('QueryData', () => {
  it('accepts fields it does not read (later versions, other backends)', () => {
    const parsed = QueryData.safeParse({ resultType: 'vector', result: [{ metric: {}, value: [1, '1'], extra: true }], infos: ['x'] });
    expect(parsed.success).toBe(true);
  });

  it('rejects a numeric sample value (values are strings on the wire)', () => {
    expect(QueryData.safeParse({ resultType: 'vector', result: [{ metric: {}, value: [1, 1] }] }).success).toBe(false);
  });
});

describe('QueryData matrix values', () => {
  it('accepts [[seconds, "value"], ...] and rejects a point of another shape', () => {
    const ok = { resultType: 'matrix', result: [{ metric: {}, values: [[1, '1'], [2.5, 'NaN']] }] };
    expect(QueryData.safeParse(ok).success).toBe(true);
    for (const bad of [[[1, 1]], [[1]], [['1', '1']], [[1, '1', 'x']], 'nope']) {
      expect(QueryData.safeParse({ resultType: 'matrix', result: [{ metric: {}, values: bad }] }).success).toBe(false);
    }
  });
});
