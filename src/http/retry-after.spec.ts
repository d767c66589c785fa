import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter({ 'retry-after': '120' })).toBe(120_000);
    expect(parseRetryAfter({ 'retry-after': ' 7 ' })).toBe(7_000);
  });

  it('reads an HTTP date against the response Date header', () => {
    expect(parseRetryAfter({ 'retry-after': 'Tue, 24 Nov 2026 09:00:30 GMT', date: 'Tue, 24 Nov 2026 09:00:00 GMT' })).toBe(30_000);
  });

  it('waits no less than nothing for a date already past', () => {
    expect(parseRetryAfter({ 'retry-after': 'Tue, 24 Nov 2026 08:59:00 GMT', date: 'Tue, 24 Nov 2026 09:00:00 GMT' })).toBe(0);
  });

  it('gives up on what it cannot read', () => {
    expect(parseRetryAfter({})).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': undefined })).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '' })).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-5' })).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'Tue, 24 Nov 2026 09:00:30 GMT' })).toBeUndefined();
  });
});
