import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { repoRoot } from './support/cli.js';

/**
 * Pins the layer rule and the pure-core bans of eslint.config.js: snippets are linted as if they were files
 * at the given paths under src/ (only the rules under test are looked at; type-aware rules are off, as the
 * snippets are no files of the TypeScript project).
 */

// The import resolver's first look at a folder can take seconds on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

const RULES = new Set(['import-x/no-restricted-paths', 'import-x/no-nodejs-modules', 'no-restricted-imports', 'no-restricted-globals', 'no-restricted-syntax']);

let eslint: ESLint;
let config: { LAYERS: string[][]; PURE: string[]; layerZones(pending: { file: string; imports: string }[]): { target: string; from: string | string[]; except?: string[] }[] };

beforeAll(async () => {
  // Only the rules under test matter here; import-x/no-cycle would walk the whole import graph of every snippet
  // (minutes on a loaded machine) and has its own run in npm run lint.
  eslint = new ESLint({ cwd: repoRoot, overrideConfig: [tseslint.configs.disableTypeChecked, { rules: { 'import-x/no-cycle': 'off' } }] });
  // A path in a variable: TypeScript does not look for the types of the (JavaScript) config.
  const configFile = pathToFileURL(join(repoRoot, 'eslint.config.js')).href;
  config = (await import(configFile)) as typeof config;
});

/** The problems the rules under test find in `code` as the file `path`, as "rule: message" lines. */
async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, path) });
  return (result?.messages ?? []).filter((m) => m.ruleId !== null && RULES.has(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layers (import-x/no-restricted-paths from LAYERS in eslint.config.js)', () => {
  it.each([
    ['an upward import (metrics -> engine)', 'src/metrics/probe.ts', "import type { Engine } from '../engine/engine.js';\nexport type E = Engine;\n"],
    ['the runtime <-> server cycle, server side', 'src/server/probe.ts', "import type { Daemon } from '../runtime/daemon.js';\nexport type D = Daemon;\n"],
    ['a sibling in the same layer (store -> metrics)', 'src/store/probe.ts', "import type { MetricsSource } from '../metrics/source.js';\nexport type M = MetricsSource;\n"],
    ['the pure core reaching into an adapter (slo -> store)', 'src/slo/probe.ts', "import type { Db } from '../store/db.js';\nexport type D = Db;\n"],
    ['a command importing the composition root (cli -> main.ts)', 'src/cli/probe.ts', "export { main } from '../main.js';\n"],
    ['a dynamic import upwards (engine -> runtime)', 'src/engine/probe.ts', "export const load = () => import('../runtime/daemon.js');\n"],
  ])('fails on %s', async (_name, path, code) => {
    const found = await problems(path, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^import-x\/no-restricted-paths: .*may import only from the layers below it/);
  });

  it.each([
    ['a downward import (engine -> store)', 'src/engine/probe.ts', "import type { Db } from '../store/db.js';\nexport type D = Db;\n"],
    ['the root importing anything (wiring.ts -> runtime, server)', 'src/wiring.ts', "import type { Daemon } from './runtime/daemon.js';\nimport type { DaemonView } from './server/view.js';\nexport type X = [Daemon, DaemonView];\n"],
    ['an import inside one folder', 'src/runtime/probe.ts', "import type { Reloader } from './reload.js';\nexport type R = Reloader;\n"],
  ])('accepts %s', async (_name, path, code) => {
    expect(await problems(path, code)).toEqual([]);
  });

  it('holds the two folder cycles issue 12 closed (the outbox table and the outbox reach no higher layer)', async () => {
    expect(await problems('src/store/outbox.ts', "import type { AlertNotification } from '../notify/notifier.js';\nexport type N = AlertNotification;\n")).toHaveLength(1);
    expect(await problems('src/notify/outbox.ts', "import type { NotificationSink } from '../engine/engine.js';\nexport type S = NotificationSink;\n")).toHaveLength(1);
    expect(await problems('src/store/outbox.ts', "import type { AlertNotification } from '../alerting/notification.js';\nexport type N = AlertNotification;\n")).toEqual([]);
  });

  it('lets a pending import through for exactly its one file and its one target', () => {
    type Zone = { target: string; from: string | string[]; except?: string[] };
    const zonesOf = (pending: { file: string; imports: string }[]): Zone[] => config.layerZones(pending).filter((z) => z.target === 'src/store');
    const plain = zonesOf([]);
    expect(plain).toHaveLength(1);
    expect(plain[0]?.from).toContain('src/notify');
    const pending = zonesOf([{ file: 'src/store/outbox.ts', imports: 'src/notify/notifier.ts' }]);
    expect(pending).toHaveLength(2);
    expect(pending[0]?.from).not.toContain('src/notify');
    expect(pending[0]?.from).toContain('src/engine');
    expect(pending[1]).toMatchObject({ target: 'src/store', from: 'src/notify', except: ['./notifier.ts'] });
  });

  it('names every folder and top-level file of src/ in LAYERS, each once', () => {
    const elements = readdirSync(join(repoRoot, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')))
      .map((e) => e.name);
    const layered = config.LAYERS.flat();
    expect(new Set(layered).size).toBe(layered.length);
    expect([...elements].sort()).toEqual([...layered].sort());
    for (const pure of config.PURE) expect(layered).toContain(pure);
  });

  it('is the table README.md shows under "## Development"', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Development'));
    const rows = config.LAYERS.map((layer) => layer.map((e) => (e.endsWith('.ts') ? e : `${e}/`)).join(' '));
    const positions = rows.map((row) => section.indexOf(`\n  ${row} `));
    expect(rows.filter((_, i) => (positions[i] ?? -1) < 0)).toEqual([]);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

describe('the pure core (slo, alerting, routing, promql, report)', () => {
  it.each([
    ['node:fs', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n"],
    ['fs without the node: prefix', "import { readFileSync } from 'fs';\nexport const read = readFileSync;\n"],
    ['node:os (in no list)', "import { hostname } from 'node:os';\nexport const host = hostname;\n"],
    ['node:worker_threads (in no list)', "import { Worker } from 'node:worker_threads';\nexport const W = Worker;\n"],
    ['a package that does I/O', "import axios from 'axios';\nexport const get = axios.get;\n"],
  ])('bans importing %s', async (_name, code) => {
    for (const folder of ['slo', 'alerting', 'routing', 'promql', 'report']) {
      const found = await problems(`src/${folder}/probe.ts`, code);
      expect(found.length, `${folder}: ${code}`).toBeGreaterThan(0);
      expect(found.join('\n')).toMatch(/no I\/O|builtin/);
    }
  });

  it.each([
    ['process.env', "export const level = process.env['LEVEL'];\n"],
    ['globalThis.process', "export const env = globalThis.process.env;\n"],
    ['fetch', "export const get = () => fetch('http://localhost');\n"],
    ['setTimeout', 'export const later = (fn: () => void) => setTimeout(fn, 1);\n'],
    ['setInterval', 'export const every = (fn: () => void) => setInterval(fn, 1);\n'],
    ['setImmediate', 'export const soon = (fn: () => void) => setImmediate(fn);\n'],
    ['queueMicrotask', 'export const soon = (fn: () => void) => queueMicrotask(fn);\n'],
    ['Date.now()', 'export const now = () => Date.now();\n'],
    ['new Date()', 'export const now = () => new Date();\n'],
    ['Date()', 'export const now = () => Date();\n'],
    ['performance.now()', 'export const now = () => performance.now();\n'],
    ['Math.random()', 'export const pick = () => Math.random();\n'],
    ['a dynamic import', "export const load = () => import('./duration.js');\n"],
  ])('bans %s', async (_name, code) => {
    const found = await problems('src/slo/probe.ts', code);
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(/pure core/);
  });

  it('accepts what pure code does: time as an argument, the PromQL parser, its own modules', async () => {
    const code = [
      "import { parser } from '@prometheus-io/lezer-promql';",
      "import { formatDuration } from './duration.js';",
      "import { parseVectorSelector } from '../promql/syntax.js';",
      'export const at = (ms: number) => new Date(ms).toISOString() + formatDuration(Date.parse("2026-01-01T00:00:00Z"));',
      'export const p = [parser, parseVectorSelector];',
      '',
    ].join('\n');
    expect(await problems('src/slo/probe.ts', code)).toEqual([]);
  });
});

describe('only the composition root reads the process and the clock', () => {
  it('flags process.env and Date.now() in an adapter, not in main.ts', async () => {
    const code = "export const level = process.env['LEVEL'];\nexport const now = () => Date.now();\n";
    expect(await problems('src/engine/probe.ts', code)).toHaveLength(2);
    expect(await problems('src/main.ts', code)).toEqual([]);
  });
});
