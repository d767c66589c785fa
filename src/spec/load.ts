import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Slo, SpecFormat } from '../slo/model.js';
import { checkModels } from './checks.js';
import type { DetectedObject, FormatReader, ReadOptions, UnsupportedFormat } from './formats.js';
import { unknownFormatError } from './formats.js';
import type { LoadedSlo } from './loaded.js';
import { locationOf } from './loaded.js';
import type { LocatedDocument, SpecError } from './located.js';
import { parseYamlFile } from './located.js';
import { readers as defaultReaders, unsupportedFormats } from './registry.js';

export const SPEC_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface FileReport {
  readonly file: string;
  readonly formats: readonly SpecFormat[];
  readonly slos: number;
  readonly errors: number;
}

export interface LoadResult {
  readonly slos: readonly Slo[];
  readonly loaded: readonly LoadedSlo[];
  readonly errors: readonly SpecError[];
  readonly files: readonly FileReport[];
}

export interface LoadOptions extends ReadOptions {
  /** Folder that relative runbook paths are resolved against; default: the git root above each SLO file, else the working directory. */
  readonly runbookRoot?: string;
  readonly cwd?: string;
  readonly readers?: readonly FormatReader[];
  /** Do not report SLO ids defined twice (Sloth's --ignore-slo-duplicates); the first definition is kept. */
  readonly ignoreDuplicates?: boolean;
  readonly unsupported?: readonly UnsupportedFormat[];
}

/** Expands files and folders (recursively) into the SLO files they hold, sorted for stable output. */
export function findSpecFiles(paths: readonly string[]): { files: string[]; errors: SpecError[] } {
  const files: string[] = [];
  const errors: SpecError[] = [];
  for (const p of paths) {
    if (!existsSync(p)) {
      errors.push({ file: p, line: 1, col: 1, path: '', message: 'no such file or folder', hint: 'check the path; folders are searched recursively for .yaml, .yml and .json files' });
      continue;
    }
    if (statSync(p).isDirectory()) walk(p, files);
    else files.push(p);
  }
  return { files: [...new Set(files)].sort(), errors };
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue; // .git, editor files, git-sync's internal folders
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      // git-sync publishes the checkout through a symlink: follow links to folders and files.
      try {
        const st = statSync(path);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        continue;
      }
    }
    if (isDir) walk(path, out);
    else if (isFile && SPEC_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push(path);
  }
}

/** Reads SLO files in every supported format into the model, collecting every located problem. */
export function loadSpecs(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const found = findSpecFiles(paths);
  const texts: SpecText[] = [];
  const errors: SpecError[] = [...found.errors];
  for (const file of found.files) {
    try {
      texts.push({ file, text: readFileSync(file, 'utf8') });
    } catch (err) {
      errors.push({ file, line: 1, col: 1, path: '', message: `cannot read the file: ${(err as Error).message}`, hint: 'check the file permissions' });
    }
  }
  const result = loadSpecTexts(texts, options);
  return { ...result, errors: sortErrors([...errors, ...result.errors]) };
}

export interface SpecText {
  readonly file: string;
  readonly text: string;
}

/** The same as `loadSpecs` for file contents already in memory (the runbook check still looks at the disk). */
export function loadSpecTexts(texts: readonly SpecText[], options: LoadOptions = {}): LoadResult {
  const readerList = options.readers ?? defaultReaders;
  const unsupported = options.unsupported ?? unsupportedFormats;
  const errors: SpecError[] = [];
  const byFamily = new Map<FormatReader, DetectedObject[]>();
  const formatsByFile = new Map<string, Set<SpecFormat>>();

  for (const { file, text } of texts) {
    formatsByFile.set(file, new Set());
    const parsed = parseYamlFile(file, text);
    errors.push(...parsed.errors);
    const objects = parsed.documents.flatMap(objectsOf);
    if (objects.length === 0 && parsed.errors.length === 0) {
      errors.push({ file, line: 1, col: 1, path: '', message: 'the file holds no SLO document', hint: 'add an SLO, or remove the file from the SLO folder' });
    }
    for (const object of objects) {
      if (!isRecord(object.value)) {
        errors.push({ ...object.doc.locate([]), message: 'expected an SLO object (a map with apiVersion and kind), found ' + describe(object.value), hint: 'each YAML document (or top-level list item) must be one SLO object' });
        continue;
      }
      const value = object.value;
      const reader = readerList.find((r) => r.detect(value) !== undefined);
      const format = reader?.detect(value);
      if (!reader || format === undefined) {
        errors.push(unknownFormatError(object.doc, value, readerList, unsupported));
        continue;
      }
      formatsByFile.get(file)?.add(format);
      const list = byFamily.get(reader) ?? [];
      list.push({ doc: object.doc, format, value });
      byFamily.set(reader, list);
    }
  }

  const loaded: LoadedSlo[] = [];
  for (const reader of readerList) {
    const objects = byFamily.get(reader);
    if (!objects) continue;
    const result = reader.read(objects, options);
    loaded.push(...result.slos);
    errors.push(...result.errors);
  }
  errors.push(...checkModels(loaded, { ignoreDuplicates: options.ignoreDuplicates === true }));
  errors.push(...checkRunbooks(loaded, options));

  const sorted = sortErrors(errors);
  const files: FileReport[] = texts.map(({ file }) => ({
    file,
    formats: [...(formatsByFile.get(file) ?? [])],
    slos: loaded.filter((l) => l.slo.source.file === file).length,
    errors: sorted.filter((e) => e.file === file).length,
  }));
  // SLOs found are counted above; with duplicates ignored, only the first definition of an id is kept.
  if (options.ignoreDuplicates === true) {
    const seen = new Set<string>();
    for (let i = 0; i < loaded.length; i++) {
      const id = loaded[i]?.slo.id ?? '';
      if (seen.has(id)) loaded.splice(i--, 1);
      else seen.add(id);
    }
  }
  return { slos: loaded.map((l) => l.slo), loaded, errors: sorted, files };
}

/** A document is one object, or a top-level list of objects (OpenSLO allows both). */
function objectsOf(doc: LocatedDocument): { doc: LocatedDocument; value: unknown }[] {
  const value = doc.value();
  if (Array.isArray(value)) return value.map((v: unknown, i) => ({ doc: doc.child([i]), value: v }));
  return [{ doc, value }];
}

function checkRunbooks(loaded: readonly LoadedSlo[], options: LoadOptions): SpecError[] {
  const errors: SpecError[] = [];
  for (const l of loaded) {
    const runbook = l.slo.alerting.runbook;
    if (runbook === undefined) continue;
    const at = locationOf(l, 'runbook');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(runbook)) {
      try {
        const url = new URL(runbook);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
      } catch {
        errors.push({ ...at, message: `runbook "${runbook}" is not a valid http(s) URL`, hint: 'write an absolute https:// URL or a path such as runbooks/checkout-availability.md' });
      }
      continue;
    }
    if (isAbsolute(runbook)) {
      errors.push({ ...at, message: `runbook "${runbook}" is an absolute file path`, hint: 'write a path relative to the repository root (runbooks/x.md) so it becomes a link in notifications' });
      continue;
    }
    const root = options.runbookRoot ?? repoRoot(l.slo.source.file, options.cwd ?? process.cwd());
    const path = resolve(root, runbook);
    if (!existsSync(path)) {
      errors.push({ ...at, message: `runbook "${runbook}" does not exist (looked for ${relative(options.cwd ?? process.cwd(), path) || path})`, hint: 'create the runbook from runbooks/TEMPLATE.md, or fix the path (relative to the repository root)' });
    }
  }
  return errors;
}

/** The nearest folder above `file` that holds `.git`; the working directory when there is none. */
export function repoRoot(file: string, cwd: string): string {
  let dir = dirname(resolve(cwd, file));
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return cwd;
    dir = parent;
  }
}

function sortErrors(errors: readonly SpecError[]): SpecError[] {
  return [...errors].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'an empty document';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}
