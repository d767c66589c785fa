import { describe, expect, it } from 'vitest';
import { errorFromTransport } from './errors.js';

const ctx = { url: 'http://prom:9090', endpoint: '/api/v1/query', query: 'up' };

describe('errorFromTransport', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED', timedOut: false, aborted: false }, 'network', true],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND prom', timedOut: false, aborted: false }, 'network', true],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate', timedOut: false, aborted: false }, 'tls', false],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames", timedOut: false, aborted: false }, 'tls', false],
    [{ code: 'ERR_CANCELED', message: 'canceled', timedOut: true, aborted: false }, 'client_timeout', true],
    [{ code: 'ERR_CANCELED', message: 'canceled', timedOut: false, aborted: true }, 'client_timeout', true],
    [{ code: 'ERR_BAD_RESPONSE', message: 'maxContentLength size of 10 exceeded', timedOut: false, aborted: false, tooLarge: true }, 'too_large', false],
  ])('%j -> %s', (failure, kind, retryable) => {
    const err = errorFromTransport({ ...failure, timeoutMs: 1000 }, ctx);
    expect(err.kind).toBe(kind);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain('http://prom:9090/api/v1/query');
    expect(err.cause).toBeInstanceOf(Error);
  });
});
