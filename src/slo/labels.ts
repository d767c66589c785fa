/**
 * The canonical text of a label set: JSON of the labels with their names sorted, whatever order they came
 * in (`{"a":"1","b":"2"}`). It is the identity of an SLO instance, stored in the ledger's instances table and
 * put in status-page links, so the encoding must not change; it also keys series by label set in memory.
 */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
