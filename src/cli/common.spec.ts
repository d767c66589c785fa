import { describe, expect, it } from 'vitest';
import { prometheusFromFlags } from './common.js';
import { UsageError } from './io.js';

describe('prometheusFromFlags', () => {
  it.each([
    ['ftp://admin:hunter2-secret@prom.example:9090', 'ftp://prom.example:9090'],
    ['prom.example?token=hunter2-secret', 'prom.example'],
  ])('refuses %s without showing its credentials', (url, shown) => {
    let error: unknown;
    try {
      prometheusFromFlags({ prometheus: url });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`not "${shown}"`);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('keeps the credentials of a valid URL for the requests but not in the source URL it shows', () => {
    expect(prometheusFromFlags({ prometheus: 'http://admin:hunter2-secret@prom.example:9090/' }).url).toBe('http://prom.example:9090');
  });
});
