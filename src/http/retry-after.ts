/**
 * `Retry-After` in ms (RFC 9110 10.2.3): delta-seconds, or an HTTP date measured against the response's own
 * `Date` header, so that no clock is read. Undefined when absent or unreadable, and for a date when the
 * response has no `Date`. Header names are lower case, as Node and axios give them.
 */
export function parseRetryAfter(headers: Readonly<Record<string, string | undefined>>): number | undefined {
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  const now = Date.parse(headers.date ?? '');
  if (Number.isNaN(at) || Number.isNaN(now)) return undefined;
  return Math.max(0, at - now);
}
