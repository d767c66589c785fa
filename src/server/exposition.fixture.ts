/**
 * Test fixture (excluded from the build by its .fixture.ts name): a parser of the Prometheus text exposition format 0.0.4, written from
 * the format's description (docs: "Exposition formats"), so specs check what a scraper would read rather
 * than comparing our output with itself.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  /** `# TYPE` of each metric family. */
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`exposition line ${index + 1}: ${why}: ${line}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) {
        if (types.has(type[1] ?? '')) fail('second TYPE line for the metric');
        types.set(type[1] ?? '', type[2] ?? '');
      } else if (line.startsWith('# TYPE')) {
        fail('malformed TYPE line');
      }
      return;
    }
    const name = NAME_RE.exec(line)?.[0] ?? fail('no metric name');
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const label = LABEL_RE.exec(rest)?.[0] ?? fail('bad label name');
        rest = rest.slice(label.length);
        if (!rest.startsWith('="')) fail('expected =" after the label name');
        rest = rest.slice(2);
        let value = '';
        for (;;) {
          const c = rest[0] ?? fail('unterminated label value');
          rest = rest.slice(1);
          if (c === '"') break;
          if (c === '\\') {
            const e = rest[0] ?? fail('dangling escape');
            rest = rest.slice(1);
            if (e === 'n') value += '\n';
            else if (e === '\\' || e === '"') value += e;
            else fail(`unknown escape \\${e}`);
          } else {
            value += c;
          }
        }
        if (label in labels) fail(`label ${label} given twice`);
        labels[label] = value;
        if (rest.startsWith(',')) rest = rest.slice(1);
        else if (!rest.startsWith('}')) fail('expected , or }');
      }
      rest = rest.slice(1);
    }
    const fields = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) fail('expected a value (and an optional timestamp)');
    samples.push({ name, labels, value: parseValue(fields[0] ?? '', fail) });
  });
  return { types, samples };
}

function parseValue(text: string, fail: (why: string) => never): number {
  // Go's strconv.ParseFloat, which Prometheus uses, accepts NaN and Inf in any letter case.
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) fail(`"${text}" is not a number`);
  return n;
}

/** Samples of one metric, with their labels rendered as a sorted, comparable key. */
export function seriesOf(exposition: Exposition, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of exposition.samples) {
    if (s.name !== name) continue;
    const key = seriesKey(s.labels);
    if (out.has(key)) throw new Error(`series ${name}${key} appears twice`);
    out.set(key, s.value);
  }
  return out;
}

/** `{a="1",b="x"}`, labels sorted by name (values JSON-quoted, so the key is unambiguous). */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  return `{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}
