// `npm run fuzz`: feeds the SLO loader thousands of generated SLO folders and checks that it never falls over
// and never lies, outside the regular test time.
//
//   npm run fuzz -- [--files 6000] [--seed N] [--corpus DIR] [--max-heap 512] [--stall 120]
//
// The files are the project's examples (slos/) and the SLO corpus (read where it lies at run time: --corpus,
// default ../shared/corpus beside the repository), broken the way people break files, and structural
// attacks: alias bombs and tricks, merge keys, deep nesting, huge strings, binary garbage, many documents,
// wide files, other encodings, tabs, symlink loops and links out, dangling links, FIFOs (see
// test/support/spec-fuzz.ts). Each case is a folder on disk loaded as the daemon loads it (`loadSpecs`),
// under the default bounds.
//
// Every generated file must end valid, with a located error (file, line >= 1, column >= 1, a message that
// is not an internal error), or skipped with a warning (links); the load must not throw. The cases run in a
// child process with a capped heap (--max-heap MB, V8's old space), so running out of memory is a failure,
// and a case that makes no progress for --stall seconds is a hang. It prints the figures: files, valid /
// located / skipped, time, peak RSS, the slowest cases, and the seed to replay a run. Exit 1 on any failure.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { loadSpecs, SPEC_EXTENSIONS } from '../src/formats/load.js';
import type { FuzzCase, FileOutcome } from '../test/support/spec-fuzz.js';
import { badError, billionLaughs, fuzzCases, outcomeOf } from '../test/support/spec-fuzz.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface CaseReport {
  readonly index: number;
  readonly attack: string;
  readonly files: number;
  readonly ms: number;
  readonly outcomes: Partial<Record<FileOutcome, number>>;
  readonly failures: readonly string[];
  readonly maxRssKb: number;
}

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '6000' },
    seed: { type: 'string' },
    corpus: { type: 'string', default: resolve(repoRoot, '..', 'shared', 'corpus') },
    'max-heap': { type: 'string', default: '512' },
    stall: { type: 'string', default: '120' },
    worker: { type: 'boolean', default: false },
    start: { type: 'string', default: '0' },
    attack: { type: 'string' },
  },
});
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);


// ---- named attacks, each measured in a fresh process -----------------------------------------------------

const examplesDir = join(repoRoot, 'slos');
const exampleText = (): string => readFileSync(join(examplesDir, 'checkout-availability.yaml'), 'utf8');

/** Writes the attack's files into an SLO folder. */
const ATTACKS: Record<string, (slos: string) => void> = {
  'the examples (baseline)': (slos) => {
    for (const f of readdirSync(examplesDir)) writeFileSync(join(slos, f), readFileSync(join(examplesDir, f)));
  },
  'billion laughs (10 levels of 9 aliases)': (slos) => writeFileSync(join(slos, 'laughs.yaml'), billionLaughs(11, 9)),
  '20 MB description': (slos) => writeFileSync(join(slos, 'big.yaml'), exampleText().replace(/description: .*/, `description: ${'x'.repeat(20 * 1024 * 1024)}`)),
  '10,000-deep nesting ([[[...]]])': (slos) => writeFileSync(join(slos, 'deep.yaml'), `${'['.repeat(10_000)}${']'.repeat(10_000)}\n`),
  '10,000-deep nesting (- - - x)': (slos) => writeFileSync(join(slos, 'deep.yaml'), `${'- '.repeat(10_000)}x\n`),
  '1 MiB of [ (a million levels)': (slos) => writeFileSync(join(slos, 'deep.yaml'), '['.repeat(1024 * 1024 - 1)),
  '1 MiB flow list (500,000 values)': (slos) => writeFileSync(join(slos, 'wide.yaml'), `[${'1,'.repeat(512 * 1024 - 2)}]`),
  '60,000 aliases of 20,000 anchors': (slos) => writeFileSync(join(slos, 'aliases.yaml'), Array.from({ length: 20_000 }, (_, i) => `x${i}: &x${i} 1`).join('\n') + `\nl: [${Array.from({ length: 60_000 }, (_, i) => `*x${i % 20_000}`).join(',')}]\n`),
  'map of 80,000 keys': (slos) => writeFileSync(join(slos, 'keys.yaml'), Array.from({ length: 80_000 }, (_, i) => `k${i}: 1`).join('\n')),
  'symlink loop (two links to ".")': (slos) => {
    writeFileSync(join(slos, 'a.yaml'), exampleText());
    symlinkSync('.', join(slos, 'loop1'));
    symlinkSync('.', join(slos, 'loop2'));
  },
};

interface AttackReport {
  readonly ms: number;
  readonly maxRssKb: number;
  readonly rssBeforeKb: number;
  readonly slos: number;
  readonly first: string;
}

/** In the child: loads the SLO folder the parent wrote, and reports time and memory. */
function measureAttack(slos: string): void {
  global.gc?.();
  const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);
  const started = performance.now();
  const result = loadSpecs([slos], { cwd: repoRoot });
  const ms = Math.round(performance.now() - started);
  const e = result.errors[0];
  const first = e === undefined ? 'no problem' : `${e.file.slice(slos.length + 1)}:${e.line}:${e.col}: ${e.severity === 'warning' ? 'warning: ' : ''}${e.message.slice(0, 110)}`;
  const report: AttackReport = { ms, maxRssKb: process.resourceUsage().maxRSS, rssBeforeKb, slos: result.slos.length, first };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runAttacks(stallMs: number): string[] {
  const failures: string[] = [];
  console.log('named attacks, each in a fresh process (load time; peak RSS of the process, and its RSS before the load):');
  for (const [name, write] of Object.entries(ATTACKS)) {
    const dir = mkdtempSync(join(tmpdir(), 'burnwatch-attack-'));
    const slos = join(dir, 'slos');
    mkdirSync(slos);
    write(slos);
    const run = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--attack', slos], { encoding: 'utf8', timeout: stallMs, maxBuffer: 1024 * 1024 });
    rmSync(dir, { recursive: true, force: true });
    if (run.status !== 0) {
      failures.push(`attack "${name}": the process ${run.signal === 'SIGTERM' ? 'hung' : `died (${run.status ?? run.signal})`}: ${run.stderr.slice(0, 300)}`);
      console.log(`  ${name.padEnd(42)} FAILED`);
      continue;
    }
    const r = JSON.parse(run.stdout) as AttackReport;
    console.log(`  ${name.padEnd(42)} ${String(r.ms).padStart(6)} ms  peak ${String(Math.round(r.maxRssKb / 1024)).padStart(4)} MB (before ${Math.round(r.rssBeforeKb / 1024)} MB)  ${r.slos} SLOs  ${r.first}`);
  }
  console.log('');
  return failures;
}

// ---- the child: generates and loads cases, one JSON line per case --------------------------------------

function runWorker(): void {
  const examples = readdirSync(join(repoRoot, 'slos')).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(repoRoot, 'slos', f), 'utf8'));
  const corpus = existsSync(values.corpus) ? specFilesUnder(values.corpus).map((f) => readFileSync(f, 'utf8')) : [];
  const cases = fuzzCases(examples, corpus);
  const target = Number(values.files);
  let files = 0;
  for (let index = Number(values.start); files < target; index++) {
    const [c] = fc.sample(cases, { seed: seed + index, numRuns: 1 });
    if (c === undefined) break;
    const report = runCase(index, c);
    files += c.entries.length;
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
}

function specFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => SPEC_EXTENSIONS.has(f.slice(f.lastIndexOf('.')).toLowerCase()) && statSync(f).isFile())
    .sort();
}

function runCase(index: number, c: FuzzCase): CaseReport {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-fuzz-'));
  const slos = join(dir, 'slos');
  mkdirSync(slos);
  const failures: string[] = [];
  const outcomes: Partial<Record<FileOutcome, number>> = {};
  const started = performance.now();
  try {
    for (const e of c.entries) {
      const path = join(slos, e.name);
      mkdirSync(dirname(path), { recursive: true });
      if (e.kind === 'file') writeFileSync(path, e.content);
      else if (e.kind === 'link') symlinkSync(e.target, path);
      else if (spawnSync('mkfifo', [path]).status !== 0) failures.push(`cannot make the FIFO ${e.name}`);
    }
    const result = loadSpecs([slos], { cwd: dir, runbookRoot: repoRoot });
    for (const e of result.errors) {
      const bad = badError(e);
      if (bad !== undefined) failures.push(bad);
    }
    for (const e of c.entries) {
      const path = join(slos, e.name);
      const outcome = outcomeOf(path, result, SPEC_EXTENSIONS.has(e.name.slice(e.name.lastIndexOf('.')).toLowerCase()));
      if (outcome === undefined) failures.push(`${e.name} (${e.kind}) is neither valid nor named by an error or a warning`);
      else outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  } catch (err) {
    failures.push(`the load threw: ${(err as Error).stack ?? String(err)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { index, attack: c.attack, files: c.entries.length, ms: Math.round(performance.now() - started), outcomes, failures, maxRssKb: process.resourceUsage().maxRSS };
}

// ---- the parent: runs the child, watches it, prints the figures -----------------------------------------

async function runParent(): Promise<void> {
  const maxHeap = Number(values['max-heap']);
  const stallMs = Number(values.stall) * 1000;
  console.log(`fuzzing the SLO loader: ${values.files} files, seed ${seed}, corpus ${existsSync(values.corpus) ? values.corpus : '(not found: examples only)'}, heap capped at ${maxHeap} MB`);
  const failures: string[] = runAttacks(stallMs);
  const started = Date.now();
  const reports: CaseReport[] = [];
  let index = 0;
  let files = 0;
  let peakKb = 0;
  // A crashed or hung child is restarted after the case it stopped on, so one bad case does not end the run.
  while (files < Number(values.files)) {
    const outcome = await runChild(index, Number(values.files) - files, maxHeap, stallMs, (r) => {
      reports.push(r);
      files += r.files;
      peakKb = Math.max(peakKb, r.maxRssKb);
      for (const f of r.failures) failures.push(`case ${r.index} (${r.attack}): ${f}`);
      index = r.index + 1;
      if (reports.length % 500 === 0) console.log(`  ${reports.length} cases, ${files} files, ${Math.round((Date.now() - started) / 1000)} s, peak RSS ${Math.round(peakKb / 1024)} MB`);
    });
    if (outcome === 'done') break;
    failures.push(`case ${index}: the child ${outcome}; replay with --seed ${seed} --start ${index}`);
    index++;
  }
  const seconds = (Date.now() - started) / 1000;
  const count = (o: FileOutcome): number => reports.reduce((a, r) => a + (r.outcomes[o] ?? 0), 0);
  const byAttack = new Map<string, number>();
  for (const r of reports) byAttack.set(r.attack, (byAttack.get(r.attack) ?? 0) + 1);
  console.log('');
  console.log(`cases            ${reports.length}`);
  console.log(`files            ${files}`);
  console.log(`  valid          ${count('valid')}`);
  console.log(`  located error  ${count('located')}`);
  console.log(`  skipped, warned ${count('skipped')} (links)`);
  console.log(`  not SLO files  ${count('not an SLO file')} (FIFOs without an SLO name)`);
  console.log(`failures         ${failures.length}`);
  console.log(`time             ${seconds.toFixed(1)} s`);
  console.log(`peak RSS         ${Math.round(peakKb / 1024)} MB (child, heap capped at ${maxHeap} MB)`);
  console.log(`attacks          ${[...byAttack].sort((a, b) => b[1] - a[1]).map(([a, n]) => `${a} ${n}`).join(', ')}`);
  console.log(`slowest cases    ${[...reports].sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => `#${r.index} ${r.attack} ${r.ms} ms`).join('; ')}`);
  console.log(`seed             ${seed}`);
  for (const f of failures.slice(0, 50)) console.log(`FAIL ${f}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

/** Resolves 'done', or what went wrong with the child. */
function runChild(start: number, files: number, maxHeap: number, stallMs: number, onReport: (r: CaseReport) => void): Promise<string> {
  const script = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, `--max-old-space-size=${maxHeap}`, script, '--worker', '--seed', String(seed), '--start', String(start), '--files', String(files), '--corpus', values.corpus];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - last > stallMs) child.kill('SIGKILL');
  }, 1000);
  createInterface({ input: child.stdout }).on('line', (line) => {
    last = Date.now();
    onReport(JSON.parse(line) as CaseReport);
  });
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      clearInterval(watchdog);
      if (code === 0) done('done');
      else if (signal === 'SIGKILL' && Date.now() - last > stallMs) done(`made no progress for ${stallMs / 1000} s (a hang)`);
      else done(`died (exit ${code ?? signal}): a crash or out of memory`);
    });
  });
}

if (values.attack !== undefined) measureAttack(values.attack);
else if (values.worker) runWorker();
else await runParent();
