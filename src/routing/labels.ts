/**
 * Label sets as Alertmanager sees them. Pure: no I/O, no clock.
 *
 * Alertmanager treats a missing label and a label with an empty value alike (it even drops empty-valued
 * labels when alerts arrive), so every lookup here goes through `labelValue`, which answers `''` for both.
 */

export type Labels = Readonly<Record<string, string>>;

/** Label names Alertmanager 0.25 accepts on alerts (`model.LabelNameRE`). */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The value of `name`, `''` when the label is missing (own properties only: `constructor` is not a label). */
export function labelValue(labels: Labels, name: string): string {
  return Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

/** The labels without the empty-valued ones, as Alertmanager stores them. */
export function withoutEmptyLabels(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (value !== '') out[name] = value;
  }
  return out;
}

/**
 * `{a="1", b="2"}`: Prometheus' `LabelSet.String()`, which sorts the `name="value"` strings themselves (not
 * the names: `a1="x"` sorts before `a="y"` because `1` < `=`). Values are quoted as JSON strings, which
 * agrees with Go's `%q` for printable text.
 */
export function formatLabelSet(labels: Labels): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  parts.sort(compareCodeUnits);
  return `{${parts.join(', ')}}`;
}

/** Byte-wise order as Go's `sort.Strings` (code units; the same as byte order for ASCII label names). */
export function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

const FNV_OFFSET_64 = 14695981039346656037n;
const FNV_PRIME_64 = 1099511628211n;
const MASK_64 = (1n << 64n) - 1n;
const SEPARATOR_BYTE = 0xff;
const utf8 = new TextEncoder();

/**
 * Alertmanager's alert fingerprint (`model.LabelSet.Fingerprint()`): FNV-1a 64 over the UTF-8 bytes of
 * `name 0xFF value 0xFF` for every label, names sorted; printed as 16 lower-case hex digits (`%016x`).
 * Empty-valued labels are left out first, as Alertmanager drops them on ingest.
 */
export function labelsFingerprint(labels: Labels): string {
  const names = Object.keys(withoutEmptyLabels(labels)).sort(compareCodeUnits);
  let hash = FNV_OFFSET_64;
  const add = (byte: number): void => {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME_64) & MASK_64;
  };
  for (const name of names) {
    for (const byte of utf8.encode(name)) add(byte);
    add(SEPARATOR_BYTE);
    for (const byte of utf8.encode(labels[name] ?? '')) add(byte);
    add(SEPARATOR_BYTE);
  }
  return hash.toString(16).padStart(16, '0');
}
