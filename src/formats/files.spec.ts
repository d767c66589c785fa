import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSpecFiles, loadSpecs } from './load.js';
import type { LoadResult } from './load.js';
import type { LocatedProblem } from './located.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary SLO folder holding `files` (path -> text), under a parent folder for links that leave it. */
function tree(files: Record<string, string> = {}): { root: string; slos: string } {
  const root = mkdtempSync(join(tmpdir(), 'burnwatch-files-'));
  dirs.push(root);
  const slos = join(root, 'slos');
  mkdirSync(slos);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(slos, path, '..'), { recursive: true });
    writeFileSync(join(slos, path), text);
  }
  return { root, slos };
}

function slo(name: string, extra = ''): string {
  return `apiVersion: burnwatch/v1
kind: SLO
metadata: { name: ${name}, service: ${name} }
spec:
  objective: 99.9
  indicator:
    events:
      errors: http_requests_total{service="${name}",code="500"}
      total: http_requests_total{service="${name}"}
${extra}`;
}

/** Problems as `relative path: severity: message`, for comparing whole lists. */
function problems(result: { errors: readonly LocatedProblem[] }, slos: string): string[] {
  return result.errors.map((e) => `${e.file.startsWith(slos) ? e.file.slice(slos.length + 1) || '.' : e.file}: ${e.severity ?? 'error'}: ${e.message}`);
}

const ids = (result: LoadResult): string[] => result.slos.map((s) => s.id).sort();

describe('spec/files: the SLO tree, links and odd files', () => {
  it('searches a folder with a symlink loop (two links to ".") once, and says it skipped the links', { timeout: 10_000 }, () => {
    const { slos } = tree({ 'a.yaml': slo('a') });
    symlinkSync('.', join(slos, 'loop1'));
    symlinkSync('.', join(slos, 'loop2'));
    const result = loadSpecs([slos]);
    expect(ids(result)).toEqual(['a']);
    expect(problems(result, slos)).toEqual([
      `loop1: warning: the same folder as ${slos}, already searched (a symlink loop, or a second link to it): skipped`,
      `loop2: warning: the same folder as ${slos}, already searched (a symlink loop, or a second link to it): skipped`,
    ]);
  });

  it('follows links to folders and files inside the tree (git-sync), reading each file once', () => {
    const { slos } = tree({ 'team-a/a.yaml': slo('a'), 'team-b/b.yaml': slo('b') });
    symlinkSync('team-a', join(slos, 'current'));
    symlinkSync(join(slos, 'team-b', 'b.yaml'), join(slos, 'b-link.yaml'));
    const result = loadSpecs([slos]);
    expect(ids(result)).toEqual(['a', 'b']);
    expect(problems(result, slos)).toEqual([
      `b-link.yaml: warning: the same file as ${join(slos, 'team-b', 'b.yaml')}: read once, there`,
      `current: warning: the same folder as ${join(slos, 'team-a')}, already searched (a symlink loop, or a second link to it): skipped`,
    ]);
  });

  it('follows the SLO folder itself when it is a link (git-sync\'s current checkout)', () => {
    const { root, slos } = tree({ 'a.yaml': slo('a') });
    symlinkSync(slos, join(root, 'current'));
    const result = loadSpecs([join(root, 'current')]);
    expect(ids(result)).toEqual(['a']);
    expect(result.errors).toEqual([]);
  });

  it('skips with a warning a link that leads out of the SLO folder', () => {
    const { root, slos } = tree({ 'a.yaml': slo('a') });
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(join(root, 'elsewhere', 'x.yaml'), slo('x'));
    symlinkSync(join(root, 'elsewhere'), join(slos, 'out'));
    symlinkSync(join(root, 'elsewhere', 'x.yaml'), join(slos, 'x.yaml'));
    symlinkSync('/', join(slos, 'everything'));
    const result = loadSpecs([slos]);
    expect(ids(result)).toEqual(['a']);
    expect(problems(result, slos)).toEqual([
      'everything: warning: the symlink leads out of the SLO folder (to /): skipped',
      `out: warning: the symlink leads out of the SLO folder (to ${join(root, 'elsewhere')}): skipped`,
      `x.yaml: warning: the symlink leads out of the SLO folder (to ${join(root, 'elsewhere', 'x.yaml')}): skipped`,
    ]);
  });

  it('reports a dangling link and a link loop named as an SLO file as errors, other dangling links as warnings', () => {
    const { slos } = tree({ 'a.yaml': slo('a') });
    symlinkSync('gone.yaml', join(slos, 'dangling.yaml'));
    symlinkSync('gone-folder', join(slos, 'dangling-folder'));
    symlinkSync('self.yaml', join(slos, 'self.yaml'));
    const result = loadSpecs([slos]);
    expect(ids(result)).toEqual(['a']);
    expect(problems(result, slos)).toEqual([
      'dangling-folder: warning: the symlink points to nothing (its target does not exist): skipped',
      'dangling.yaml: error: the symlink points to nothing (its target does not exist): skipped',
      'self.yaml: error: the symlink is a loop of links: skipped',
    ]);
  });

  it('never opens a FIFO: one named as an SLO file is an error, the others load', { timeout: 10_000 }, () => {
    const { slos } = tree({ 'a.yaml': slo('a') });
    expect(spawnSync('mkfifo', [join(slos, 'pipe.yaml'), join(slos, 'pipe')]).status).toBe(0);
    const result = loadSpecs([slos]);
    expect(ids(result)).toEqual(['a']);
    expect(problems(result, slos)).toEqual(['pipe.yaml: error: not a regular file (a FIFO); burnwatch does not open it']);
    expect(problems(loadSpecs([join(slos, 'pipe.yaml')]), slos)).toEqual(['pipe.yaml: error: not a regular file (a FIFO); burnwatch does not open it']);
  });

  it('refuses a device given as the SLO path without reading it', { timeout: 10_000 }, () => {
    expect(loadSpecs(['/dev/zero']).errors.map((e) => `${e.file}: ${e.message}`)).toEqual(['/dev/zero: not a regular file (a device); burnwatch does not open it']);
  });
});

describe('spec/files: bounds on the tree and the bytes read', () => {
  it('does not read a file over maxFileBytes, and loads the other files', () => {
    const { slos } = tree({ 'a.yaml': slo('a'), 'big.yaml': slo('big', `# ${'x'.repeat(2048)}\n`) });
    const result = loadSpecs([slos], { limits: { maxFileBytes: 1024 } });
    expect(ids(result)).toEqual(['a']);
    expect(problems(result, slos)).toEqual([expect.stringMatching(/^big\.yaml: error: the file is 2\d\d\d bytes: SLO files may be at most 1024 bytes; it was not read$/)]);
    expect(result.errors[0]?.hint).toContain('slos.limits.maxFileBytes');
    expect(result.files.map((f) => [f.file.slice(slos.length + 1), f.slos, f.errors])).toEqual([['a.yaml', 1, 0], ['big.yaml', 0, 1]]);
  });

  it('stops reading at maxTotalBytes: the files after it are errors, the ones before load', () => {
    const { slos } = tree({ 'a.yaml': slo('a'), 'b.yaml': slo('b'), 'c.yaml': slo('c') });
    const one = Buffer.byteLength(slo('a'));
    const result = loadSpecs([slos], { limits: { maxTotalBytes: 2 * one } });
    expect(ids(result)).toEqual(['a', 'b']);
    expect(problems(result, slos)).toEqual([`c.yaml: error: not read: with it the SLO files would hold more than ${2 * one} bytes together`]);
  });

  it('stops searching after maxFiles entries, with an error at the SLO folder', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`f${String(i).padStart(2, '0')}.txt`] = '';
    const { slos } = tree(files);
    const found = findSpecFiles([slos], { maxFiles: 20 });
    expect(problems(found, slos)).toEqual([`.: error: the SLO folder holds more than 20 files and folders: searching stopped at ${slos}`]);
    expect(findSpecFiles([slos], { maxFiles: 30 }).errors).toEqual([]);
  });

  it('refuses UTF-16 and invalid UTF-8 with a located message, and reads a UTF-8 byte order mark', () => {
    const { slos } = tree();
    writeFileSync(join(slos, 'utf16.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(slo('u'), 'utf16le')]));
    writeFileSync(join(slos, 'latin1.yaml'), Buffer.from(slo('l').replace('objective', 'objective: 99.9 # caf\u00e9\n  x'), 'latin1'));
    writeFileSync(join(slos, 'bom.yaml'), `\uFEFF${slo('bom')}`);
    const result = loadSpecs([slos]);
    expect(ids(result)).toEqual(['bom']);
    expect(result.errors.map((e) => `${e.file.slice(slos.length + 1)}:${e.line}:${e.col}: ${e.message}`)).toEqual([
      'latin1.yaml:5:24: the file is not UTF-8 text (bytes that are not UTF-8 here)',
      'utf16.yaml:1:1: the file is UTF-16 or UTF-32 text (it starts with that byte order mark)',
    ]);
  });

  it('applies the YAML bounds to each file: one too deep is an error there, the others load', () => {
    const { slos } = tree({ 'a.yaml': slo('a'), 'deep.yaml': `${'['.repeat(10_000)}${']'.repeat(10_000)}\n` });
    const result = loadSpecs([slos]);
    expect(ids(result)).toEqual(['a']);
    expect(problems(result, slos)).toEqual(['deep.yaml: error: maps and lists are nested more than 64 levels deep']);
  });

  it('refuses a file of more SLO objects than maxDocuments, reading none of them', () => {
    const list = `- ${slo('a').replace(/\n/g, '\n  ')}\n- ${slo('b').replace(/\n/g, '\n  ')}\n`;
    const { slos } = tree({ 'list.yaml': list, 'c.yaml': slo('c') });
    expect(ids(loadSpecs([slos], { limits: { maxDocuments: 2 } }))).toEqual(['a', 'b', 'c']);
    const result = loadSpecs([slos], { limits: { maxDocuments: 1 } });
    expect(ids(result)).toEqual(['c']);
    expect(result.errors.map((e) => [e.line, e.message])).toEqual([[11, 'the file holds more than 1 SLO objects (YAML documents or items of a top-level list); none of them was read']]);
  });
});
