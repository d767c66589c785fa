import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['http://user:pass@prom:9090/', 'http://prom:9090'],
    ['http://user@prom:9090', 'http://prom:9090'],
    ['https://user:p%40ss@mimir.example/prometheus', 'https://mimir.example/prometheus'],
    ['https://prom.example/base?token=abc#x', 'https://prom.example/base'],
    ['https://hooks.example/services/T0/B0?token=abc&x=1', 'https://hooks.example/services/T0/B0'],
    ['https://app.example/#access_token=abc', 'https://app.example'],
    ['http://prom:9090', 'http://prom:9090'],
    ['/api/v1/silences?token=abc', '/api/v1/silences'],
    ['/api/v1/silences/a@b#frag', '/api/v1/silences/a@b'],
    ['not a url user:pw@host?token=1', '<redacted>@host'],
    ['http://user:pw@[::1/hook?token=1', 'http://<redacted>@[::1/hook'],
    ['host?x=user:pw@evil', 'host'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});
