import { describe, expect, it } from 'vitest';
import { redactSecrets, secretRef, secretSource } from './secret-ref.js';

const Ref = secretRef('token', { env: 'X_TOKEN', file: '/run/secrets/x' });

describe('secretRef', () => {
  it('accepts { env } and { file }', () => {
    expect(Ref.parse({ env: 'X_TOKEN' })).toEqual({ env: 'X_TOKEN' });
    expect(Ref.parse({ file: '/run/secrets/x' })).toEqual({ file: '/run/secrets/x' });
  });

  it.each([
    ['a literal string', 'xoxb-123', 'must not hold the secret itself'],
    ['a literal number', 12345, 'must not hold the secret itself'],
    ['null', null, 'must say where to read the secret'],
    ['both', { env: 'A', file: '/b' }, 'must name exactly one of env or file'],
    ['neither', {}, 'must name exactly one of env or file'],
    ['a bad env name', { env: '1X' }, 'is not an environment variable name'],
    ['an empty file', { file: '' }, 'is empty'],
  ])('rejects %s with a hint that names the field', (_label, input, message) => {
    const result = Ref.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.message).toContain(message);
    expect(issue?.message).toContain('write token: { env: X_TOKEN } or token: { file: /run/secrets/x }');
    expect(JSON.stringify(result.error?.issues)).not.toContain('xoxb-123');
  });

  it('turns a parsed reference into exactly one of env/file', () => {
    expect(secretSource(Ref.parse({ env: 'X_TOKEN' }))).toEqual({ env: 'X_TOKEN' });
    expect(secretSource(Ref.parse({ file: '/f' }))).toEqual({ file: '/f' });
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactSecrets('a SECRET b SECRET c OTHER', ['SECRET', 'OTHER'])).toBe('a [REDACTED] b [REDACTED] c [REDACTED]');
  });

  it('ignores secrets too short to be real (they would mangle ordinary text)', () => {
    expect(redactSecrets('a b c', ['a', ''])).toBe('a b c');
  });
});
