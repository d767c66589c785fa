/**
 * A URL as it may be shown: in logs, error messages, /readyz, the API and links in notifications. Drops
 * `user:password@`, the query string and the fragment (either can carry a token: `?token=`, `#access_token=`)
 * and a trailing slash. A request target (`/api/v1/silences?token=...`) keeps its path only. Text that does
 * not parse as a URL keeps no query and nothing before an `@`.
 */
export function redactUrl(text: string): string {
  if (text.startsWith('/')) return text.replace(/[?#].*$/s, '');
  try {
    const url = new URL(text);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    const rest = text.replace(/[?#].*$/s, '');
    const at = rest.lastIndexOf('@');
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest)?.[0] ?? '';
    return at >= 0 ? `${scheme}<redacted>@${rest.slice(at + 1)}` : rest;
  }
}
