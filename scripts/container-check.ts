// Replays the Dockerfile on a machine without Docker and checks that the image would start:
//
//   npx tsx scripts/container-check.ts [--keep]
//
// 1. The build context: the repository's files (`git ls-files`, tracked and untracked-but-not-ignored) copied
//    to a temporary directory.
// 2. Every stage of the Dockerfile in order, each in a directory of its own that stands for the image's root:
//    WORKDIR, ENV and COPY (also `COPY --from=<stage>`) as written; RUN lines of the build stage run with
//    `sh -c` in the WORKDIR with the stage's ENV (npm ci, npm rebuild better-sqlite3, npm run build,
//    npm prune). Two things come from the machine instead of the image: the system packages the apt-get line
//    installs (python3, make, g++ must be present) and Node's headers (npm_config_nodedir points at this Node's
//    own include/node, as the Dockerfile points at the image's). RUN lines of the final stage only create and
//    hand over the VOLUME directory; that is done here from VOLUME and USER.
// 3. The final stage's tree made read-only (chmod -R a-w) except the VOLUME directory, which belongs to the
//    Dockerfile's USER. Run as root (CI), the daemon is started as that USER (setpriv), because root could
//    write through a-w; a write into the tree is tried first and must fail.
// 4. The ENTRYPOINT started with the final stage's ENV plus a config that points at a Prometheus nobody
//    listens on, a free port and the VOLUME as database folder. Checks: /healthz answers 200; /readyz answers
//    503 with a JSON body whose only failing check is "cycle" (the database opened in the volume, the SLOs
//    loaded); /metrics answers; after SIGTERM the process exits with code 0 within the shutdown grace; the
//    database is in the volume; the log shows no refused write.
//
// It prints the time of each phase. The Node it runs under builds and runs the tree (CI runs it under Node 24,
// the image's Node).

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '../test/support/free-port.js';

// --- Dockerfile parsing (also used by test/deploy-manifests.spec.ts) -------------------------------------

export interface Instruction {
  /** Upper case, e.g. COPY. */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  /** The image of FROM, e.g. node:24-slim. */
  readonly from: string;
  /** The name after AS, if any. */
  readonly name?: string;
  readonly line: number;
  readonly instructions: readonly Instruction[];
}

/**
 * Splits a Dockerfile into stages of instructions: comment lines dropped (also inside continued lines, as
 * BuildKit does), lines ending in a backslash joined with the next.
 */
export function parseDockerfile(text: string): Stage[] {
  const logical: Instruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return;
    if (pending === undefined && trimmed === '') return;
    const continued = /\\\s*$/.test(raw);
    const content = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (pending === undefined) pending = { parts: [], line: index + 1 };
    pending.parts.push(content.trim());
    if (continued) return;
    const joined = pending.parts.filter((p) => p !== '').join(' ');
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (match) logical.push({ keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim(), line: pending.line });
    pending = undefined;
  });
  const stages: { from: string; name?: string; line: number; instructions: Instruction[] }[] = [];
  for (const ins of logical) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const [image = '', as, name] = words;
      stages.push({ from: image, ...(as?.toUpperCase() === 'AS' && name !== undefined ? { name } : {}), line: ins.line, instructions: [] });
    } else {
      const current = stages[stages.length - 1];
      if (current === undefined) {
        if (ins.keyword === 'ARG') continue; // ARG before the first FROM
        throw new Error(`Dockerfile:${ins.line}: ${ins.keyword} before the first FROM`);
      }
      current.instructions.push(ins);
    }
  }
  return stages;
}

/** The exec (JSON array) form of ENTRYPOINT, CMD, RUN or VOLUME, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `ENV A=1 B="two words"` (and the old `ENV A value` form) as a map. */
export function parseEnv(args: string): Map<string, string> {
  const env = new Map<string, string>();
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [, key = '', value = ''] = /^(\S+)\s+(.*)$/s.exec(args) ?? [];
    if (key !== '') env.set(key, value);
    return env;
  }
  for (const word of shellWords(args)) {
    const eq = word.indexOf('=');
    if (eq > 0) env.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return env;
}

/** Splits on unquoted whitespace, removing quotes and backslash escapes. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i] ?? '';
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i] ?? '';
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += ch;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

export interface CopyInstruction {
  /** The stage of `--from`, if any. */
  readonly from?: string;
  readonly sources: readonly string[];
  readonly dest: string;
}

export function parseCopy(args: string): CopyInstruction {
  const words = args.split(/\s+/).filter((w) => w !== '');
  const flags = words.filter((w) => w.startsWith('--'));
  const rest = words.filter((w) => !w.startsWith('--'));
  const paths = execForm(rest.join(' ')) ?? rest;
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  const dest = paths[paths.length - 1] ?? '';
  return { ...(from === undefined ? {} : { from }), sources: paths.slice(0, -1), dest };
}

/** The instructions of one keyword in a stage. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

// --- replay ------------------------------------------------------------------------------------------------

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface StageResult {
  readonly root: string;
  readonly workdir: string;
  readonly env: Map<string, string>;
  readonly user?: string;
  readonly volumes: readonly string[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

function phase(name: string): () => void {
  const started = Date.now();
  console.log(`\n== ${name}`);
  return () => console.log(`   ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function fail(message: string): never {
  throw new Error(message);
}

/** The repository's files as a build context: tracked plus untracked-but-not-ignored, those that exist. */
function makeContext(dir: string): number {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (listed.status !== 0) fail(`git ls-files failed in ${repoRoot}: ${listed.stderr}`);
  let copied = 0;
  for (const file of new Set(listed.stdout.split('\0').filter((f) => f !== ''))) {
    const source = join(repoRoot, file);
    if (!existsSync(source) || statSync(source).isDirectory()) continue; // deleted in the work tree, or a submodule
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(source, join(dir, file));
    copied++;
  }
  return copied;
}

/** An image path (absolute, or relative to the WORKDIR) inside a stage's root directory. */
function inRoot(root: string, workdir: string, path: string): string {
  return join(root, posix.resolve(workdir, path));
}

/** COPY semantics: a directory source copies its contents; files go into `dest/` or become `dest`. */
function copyInto(sourcePaths: readonly string[], target: string, targetIsDir: boolean): void {
  for (const source of sourcePaths) {
    if (!existsSync(source)) fail(`COPY source ${source} does not exist`);
    if (statSync(source).isDirectory()) {
      cpSync(source, target, { recursive: true, verbatimSymlinks: true });
    } else {
      const to = targetIsDir ? join(target, basename(source)) : target;
      mkdirSync(dirname(to), { recursive: true });
      cpSync(source, to, { verbatimSymlinks: true });
    }
  }
}

/** This Node's own headers folder (what npm_config_nodedir must name), when it has one. */
function hostNodeDir(): string | undefined {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_version.h')) ? prefix : undefined;
}

function replayStage(stage: Stage, index: number, work: string, context: string, done: ReadonlyMap<string, StageResult>, final: boolean): StageResult {
  const root = join(work, `stage-${index}-${stage.name ?? 'unnamed'}`);
  mkdirSync(root, { recursive: true });
  let workdir = '/';
  const env = new Map<string, string>();
  let user: string | undefined;
  const volumes: string[] = [];
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  for (const ins of stage.instructions) {
    const where = `Dockerfile:${ins.line}`;
    switch (ins.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, ins.args);
        mkdirSync(join(root, workdir), { recursive: true });
        break;
      case 'ENV':
        for (const [k, v] of parseEnv(ins.args)) env.set(k, v);
        break;
      case 'COPY': {
        const copy = parseCopy(ins.args);
        let sources: string[];
        if (copy.from !== undefined) {
          const from = done.get(copy.from) ?? fail(`${where}: COPY --from=${copy.from} names no earlier stage`);
          sources = copy.sources.map((s) => inRoot(from.root, from.workdir, s));
        } else {
          sources = copy.sources.map((s) => join(context, s));
        }
        const target = inRoot(root, workdir, copy.dest);
        copyInto(sources, target, copy.dest.endsWith('/') || copy.sources.length > 1);
        console.log(`   ${where} COPY ${copy.from === undefined ? '' : `--from=${copy.from} `}${copy.sources.join(' ')} ${copy.dest}`);
        break;
      }
      case 'RUN': {
        if (final) {
          console.log(`   ${where} RUN (final stage: its VOLUME directory is created and handed to USER below) ${ins.args}`);
          break;
        }
        if (/\bapt-get\b/.test(ins.args)) {
          const missing = ['python3', 'make', 'g++'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
          if (missing.length > 0) fail(`${where}: the image installs build tools this machine lacks: ${missing.join(', ')} (apt-get install ${missing.join(' ')})`);
          console.log(`   ${where} RUN apt-get ... (system packages: python3, make and g++ are on this machine)`);
          break;
        }
        const runEnv: Record<string, string | undefined> = { ...process.env, ...Object.fromEntries(env) };
        if (env.has('npm_config_nodedir')) runEnv['npm_config_nodedir'] = hostNodeDir() ?? process.env['npm_config_nodedir'];
        const exec = execForm(ins.args);
        const cwd = join(root, workdir);
        console.log(`   ${where} RUN ${ins.args}`);
        const started = Date.now();
        const result = exec ? spawnSync(exec[0] ?? '', exec.slice(1), { cwd, env: runEnv, stdio: 'inherit' }) : spawnSync('sh', ['-c', ins.args], { cwd, env: runEnv, stdio: 'inherit' });
        if (result.status !== 0) fail(`${where}: RUN ${ins.args} failed (exit ${result.status ?? result.signal ?? '?'})`);
        console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        break;
      }
      case 'USER':
        user = ins.args.trim();
        break;
      case 'VOLUME':
        volumes.push(...(execForm(ins.args) ?? ins.args.split(/\s+/)));
        break;
      case 'ENTRYPOINT':
        entrypoint = execForm(ins.args) ?? fail(`${where}: write ENTRYPOINT in exec form (a JSON array) so signals reach Node`);
        break;
      case 'CMD':
        cmd = execForm(ins.args) ?? fail(`${where}: write CMD in exec form (a JSON array)`);
        break;
      case 'ARG':
      case 'EXPOSE':
      case 'HEALTHCHECK':
      case 'LABEL':
      case 'STOPSIGNAL':
        break;
      default:
        fail(`${where}: ${ins.keyword} is not replayed by this script; extend it or keep to WORKDIR/ENV/COPY/RUN`);
    }
  }
  return { root, workdir, env, ...(user === undefined ? {} : { user }), volumes, entrypoint, cmd };
}

// --- the run ------------------------------------------------------------------------------------------------

interface Response {
  readonly status: number;
  readonly body: string;
}

async function get(url: string): Promise<Response | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

async function waitFor<T>(what: string, timeoutMs: number, child: ChildProcess, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) fail(`the process exited (code ${child.exitCode ?? child.signalCode}) while waiting for ${what}`);
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) fail(`${what}: nothing within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `args` as the image's user: through setpriv when we are root, directly otherwise. */
function asUser(uid: number | undefined, gid: number | undefined, args: readonly string[]): [string, string[]] {
  if (uid === undefined) return [args[0] ?? '', args.slice(1)];
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid ?? uid}`, '--clear-groups', '--', ...args]];
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no output)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const keep = argv.includes('--keep');
  const started = Date.now();
  const stages = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  const finalStage = stages[stages.length - 1] ?? fail('the Dockerfile has no FROM');
  const imageMajor = /^node:(\d+)/.exec(finalStage.from)?.[1];
  console.log(`container check: Node ${process.version} (the image: ${finalStage.from}), npm ${spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
  if (imageMajor !== undefined && process.version.slice(1).split('.')[0] !== imageMajor) {
    console.log(`   note: the image runs Node ${imageMajor}; this replay builds and runs with ${process.version}`);
  }

  const work = mkdtempSync(join(tmpdir(), 'burnwatch-container-'));
  chmodSync(work, 0o755); // the image's user must reach the tree below
  let child: ChildProcess | undefined;
  const logs = join(work, 'logs');
  mkdirSync(logs);
  try {
    let done = phase('build context (git ls-files)');
    const context = join(work, 'context');
    const count = makeContext(context);
    console.log(`   ${count} files`);
    done();

    const results = new Map<string, StageResult>();
    let final: StageResult | undefined;
    for (const [i, stage] of stages.entries()) {
      const isFinal = i === stages.length - 1;
      done = phase(`stage ${i} ${stage.name ?? ''} (FROM ${stage.from})`);
      const result = replayStage(stage, i, work, context, results, isFinal);
      results.set(stage.name ?? String(i), result);
      if (isFinal) final = result;
      done();
    }
    if (final === undefined) fail('no final stage');

    done = phase('read-only tree, volume for the user');
    const [uidText, gidText] = (final.user ?? '').split(':');
    const uid = uidText === undefined || uidText === '' ? undefined : Number(uidText);
    const gid = gidText === undefined || gidText === '' ? uid : Number(gidText);
    if (uid === undefined || !Number.isInteger(uid) || uid === 0) fail(`the final stage must set a numeric non-root USER (found ${final.user ?? 'none'})`);
    if (final.volumes.length === 0) fail('the final stage declares no VOLUME for the database');
    const dropPrivileges = process.getuid?.() === 0;
    const runUid = dropPrivileges ? uid : undefined;
    const runGid = dropPrivileges ? gid : undefined;

    // The SLO repository as git-sync publishes it (read-only for burnwatch), a /tmp of its own.
    const sloRepo = join(work, 'git', 'current');
    for (const dir of ['slos', 'runbooks']) cpSync(join(context, dir), join(sloRepo, dir), { recursive: true });
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const dataDir = join(final.root, final.volumes[0] ?? '');
    const serverPort = await freePort();
    const deadPrometheusPort = await freePort(); // nobody listens there
    const configDir = join(work, 'check');
    mkdirSync(configDir);
    const configFile = join(configDir, 'config.yaml');
    const shutdownGraceS = 5;
    writeFileSync(configFile, [
      'slos:',
      `  path: ${JSON.stringify(join(sloRepo, 'slos'))}`,
      `  runbookRoot: ${JSON.stringify(sloRepo)}`,
      'prometheus:',
      `  url: http://127.0.0.1:${deadPrometheusPort}`,
      '  timeout: 2s',
      'database:',
      `  path: ${JSON.stringify(join(dataDir, 'burnwatch.db'))}`,
      'evaluation:',
      '  interval: 10s',
      'server:',
      '  host: 127.0.0.1',
      `  port: ${serverPort}`,
      'delivery:',
      `  shutdownGrace: ${shutdownGraceS}s`,
      '',
    ].join('\n'));

    mkdirSync(dataDir, { recursive: true });
    const chmod = spawnSync('chmod', ['-R', 'a-w', final.root, sloRepo, configDir]);
    if (chmod.status !== 0) fail(`chmod -R a-w failed: ${chmod.stderr.toString()}`);
    chmodSync(dataDir, 0o750); // the VOLUME: writable for its owner again
    chmodSync(tmp, 0o1777);
    if (runUid !== undefined) chownSync(dataDir, runUid, runGid ?? runUid);

    // The Node binary must be reachable by the image's user (a Node unpacked into a private folder is not).
    let node = process.execPath;
    const canRun = (bin: string): boolean => {
      const [c, a] = asUser(runUid, runGid, [bin, '-e', '']);
      return spawnSync(c, a).status === 0;
    };
    if (!canRun(node)) {
      node = join(work, 'node-bin', 'node');
      mkdirSync(dirname(node));
      copyFileSync(process.execPath, node);
      chmodSync(node, 0o755);
      if (!canRun(node)) fail(`user ${uid} cannot run Node (${process.execPath})`);
      console.log(`   ${process.execPath} is out of reach for user ${uid}: running a copy of it`);
    }
    const tryWrite = (file: string): boolean => {
      const [c, a] = asUser(runUid, runGid, [node, '-e', `require('fs').writeFileSync(${JSON.stringify(file)}, 'x'); require('fs').unlinkSync(${JSON.stringify(file)})`]);
      return spawnSync(c, a).status === 0;
    };
    const appDir = join(final.root, final.workdir);
    if (tryWrite(join(appDir, 'write-probe'))) fail(`the image's user could write into ${appDir}: the read-only emulation does not hold`);
    if (!tryWrite(join(dataDir, 'write-probe'))) fail(`the image's user cannot write into the volume ${dataDir}`);
    console.log(`   ${final.workdir} read-only, ${final.volumes.join(' ')} writable for ${final.user ?? ''}${dropPrivileges ? ' (started with setpriv: this check runs as root)' : ''}`);
    done();

    done = phase('start the ENTRYPOINT');
    const entry = [...final.entrypoint, ...final.cmd, '--config', configFile];
    if (entry[0] === 'node') entry[0] = node;
    const env: Record<string, string> = {
      PATH: `${dirname(node)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: final.root,
      TMPDIR: tmp,
    };
    for (const [k, v] of final.env) env[k] = isAbsolute(v) && existsSync(join(final.root, v)) ? join(final.root, v) : v;
    const [command, args] = asUser(runUid, runGid, entry);
    const stdoutFile = join(logs, 'stdout.log');
    const stderrFile = join(logs, 'stderr.log');
    const daemon = spawn(command, args, { cwd: appDir, env, stdio: ['ignore', openSync(stdoutFile, 'w'), openSync(stderrFile, 'w')] });
    child = daemon;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) => daemon.once('exit', (code, signal) => r({ code, signal, at: Date.now() })));
    const base = `http://127.0.0.1:${serverPort}`;
    const spawnedAt = Date.now();
    const health = await waitFor('/healthz to answer 200', 30_000, daemon, async () => {
      const r = await get(`${base}/healthz`);
      return r?.status === 200 ? r : undefined;
    });
    console.log(`   /healthz 200 after ${((Date.now() - spawnedAt) / 1000).toFixed(1)} s: ${health.body.trim().slice(0, 80)}`);

    // Wait for one evaluation cycle to have failed against the dead Prometheus, so readiness reports it.
    await waitFor('a failed evaluation cycle in /metrics (burnwatch_cycles_total{outcome="failed"})', 30_000, daemon, async () => {
      const r = await get(`${base}/metrics`);
      return r?.status === 200 && /^burnwatch_cycles_total\{[^}]*outcome="failed"[^}]*\} [1-9]/m.test(r.body) ? r : undefined;
    });
    const metrics = await get(`${base}/metrics`);
    if (!metrics?.body.includes('burnwatch_build_info')) fail('/metrics has no burnwatch_build_info');
    if (!/^burnwatch_prometheus_up 0$/m.test(metrics.body)) fail('/metrics does not say burnwatch_prometheus_up 0 although Prometheus is unreachable');
    console.log('   /metrics 200: burnwatch_build_info present, burnwatch_prometheus_up 0, a failed cycle counted');

    const ready = await get(`${base}/readyz`) ?? fail('/readyz did not answer');
    console.log(`   /readyz ${ready.status}: ${ready.body.trim()}`);
    if (ready.status !== 503) fail(`/readyz answered ${ready.status}, expected 503 (no successful cycle: Prometheus is unreachable)`);
    let body: unknown;
    try {
      body = JSON.parse(ready.body);
    } catch {
      fail('/readyz did not answer JSON');
    }
    const checks = (body as { checks?: Record<string, { ok?: unknown }> }).checks ?? fail('/readyz has no "checks" object');
    const failing = Object.entries(checks).filter(([, c]) => c.ok !== true).map(([name]) => name);
    if (failing.join() !== 'cycle') fail(`/readyz: failing checks are [${failing.join(', ')}], expected only [cycle] (database and SLOs must be fine)`);
    done();

    done = phase('SIGTERM');
    const termAt = Date.now();
    daemon.kill('SIGTERM');
    const graceMs = (shutdownGraceS + 5) * 1000;
    const outcome = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), graceMs))]);
    if (outcome === undefined) fail(`still running ${graceMs / 1000} s after SIGTERM (shutdown grace ${shutdownGraceS} s)`);
    console.log(`   exit code ${outcome.code ?? outcome.signal ?? '?'} after ${((outcome.at - termAt) / 1000).toFixed(1)} s`);
    if (outcome.code !== 0) fail(`exit code ${outcome.code ?? outcome.signal ?? '?'} after SIGTERM, expected 0`);
    child = undefined;

    const dataFiles = readdirSync(dataDir);
    if (!dataFiles.includes('burnwatch.db')) fail(`no burnwatch.db in the volume (${dataFiles.join(', ') || 'empty'})`);
    const log = `${readFileSync(stdoutFile, 'utf8')}\n${readFileSync(stderrFile, 'utf8')}`;
    const refused = /EROFS|EACCES|EPERM|read-only file system/i.exec(log);
    if (refused) fail(`the log shows a refused write (${refused[0]}):\n${tail(stderrFile, 20)}`);
    console.log(`   volume: ${dataFiles.join(', ')}; TMPDIR: ${readdirSync(tmp).length} entries`);
    done();
    console.log(`\ncontainer check passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`\ncontainer check FAILED: ${(err as Error).message}`);
    if (existsSync(join(logs, 'stderr.log'))) console.error(`--- the daemon's standard error (last lines):\n${tail(join(logs, 'stderr.log'), 30)}`);
    if (existsSync(join(logs, 'stdout.log'))) console.error(`--- its standard output (last lines):\n${tail(join(logs, 'stdout.log'), 10)}`);
    process.exitCode = 1;
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (keep) {
      console.log(`kept ${work}`);
    } else {
      spawnSync('chmod', ['-R', 'u+w', work]);
      rmSync(work, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
