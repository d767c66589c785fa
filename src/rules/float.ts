/**
 * A float64 as a PromQL number literal, printed as Go's `%v` / `strconv.FormatFloat(f, 'g', -1, 64)` prints it,
 * which is how Sloth writes factors and budgets into its rules: the shortest digits that read back as the same
 * float64 (`0.0009999999999999432`, `0.9333333333333333`, `14.4`), in exponent form when the decimal exponent
 * is below -4 or at least 6 (`1.0000000000065512e-05`, `1e+06`).
 *
 * JavaScript's `toExponential()` without an argument yields the same shortest round-trip digits; only the
 * layout differs, so it is redone here.
 */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa = '', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  // Between 1e-4 and 1e6 JavaScript's own decimal layout is the shortest round-trip one, as Go's %f part is.
  return String(n);
}
