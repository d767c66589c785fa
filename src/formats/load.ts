import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Slo, SpecFormat } from '../slo/model.js';
import { checkModels } from './checks.js';
import { applyCorrections } from './corrections.js';
import { resolveComposites } from './composites.js';
import type { DetectedObject, FormatReader, ReadOptions, UnsupportedFormat } from './readers.js';
import { unknownFormatError } from './readers.js';
import type { LoadedCorrection, LoadedSlo } from './loaded.js';
import { locationOf } from './loaded.js';
import type { LocatedDocument, LocatedProblem } from './located.js';
import { parseYamlFile } from './located.js';
import { readers as defaultReaders, unsupportedFormats } from './registry.js';
import { findSpecFiles, readSpecFile } from './files.js';
import type { SpecLimits } from './limits.js';
import { limitSetting, withDefaults } from './limits.js';

export { findSpecFiles, SPEC_EXTENSIONS } from './files.js';

export interface FileReport {
  readonly file: string;
  readonly formats: readonly SpecFormat[];
  readonly slos: number;
  /** Budget corrections (`kind: BudgetCorrection`) read from the file. */
  readonly corrections: number;
  readonly errors: number;
}

export interface LoadResult {
  /** The SLOs, each with the budget corrections that name it. */
  readonly slos: readonly Slo[];
  readonly loaded: readonly LoadedSlo[];
  /** Every budget correction read, with the SLOs it names. */
  readonly corrections: readonly LoadedCorrection[];
  readonly errors: readonly LocatedProblem[];
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
  /** Bounds on files, documents, values, nesting and strings; default DEFAULT_SPEC_LIMITS. */
  readonly limits?: Partial<SpecLimits>;
}

/**
 * Reads SLO files in every supported format into the model, collecting every located problem. A file over
 * a bound (size, documents, values, nesting, string length) is an error for that file; the others load.
 */
export function loadSpecs(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const limits = withDefaults(options.limits);
  const found = findSpecFiles(paths, limits);
  const texts: SpecText[] = [];
  const errors: LocatedProblem[] = [...found.errors];
  const unread: FileReport[] = [];
  const budget = { bytes: 0 };
  for (const file of found.files) {
    const read = readSpecFile(file, limits, budget);
    if (read.ok) texts.push({ file, text: read.text });
    else {
      errors.push(read.error);
      unread.push({ file, formats: [], slos: 0, corrections: 0, errors: 1 });
    }
  }
  const result = loadSpecTexts(texts, { ...options, limits });
  return {
    ...result,
    errors: sortErrors([...errors, ...result.errors]),
    files: [...result.files, ...unread].sort((a, b) => a.file.localeCompare(b.file)),
  };
}

export interface SpecText {
  readonly file: string;
  readonly text: string;
}

/** The same as `loadSpecs` for file contents already in memory (the runbook check still looks at the disk). */
export function loadSpecTexts(texts: readonly SpecText[], options: LoadOptions = {}): LoadResult {
  const limits = withDefaults(options.limits);
  const readerList = options.readers ?? defaultReaders;
  const unsupported = options.unsupported ?? unsupportedFormats;
  const errors: LocatedProblem[] = [];
  const byFamily = new Map<FormatReader, DetectedObject[]>();
  const formatsByFile = new Map<string, Set<SpecFormat>>();

  for (const { file, text } of texts) {
    formatsByFile.set(file, new Set());
    const bytes = Buffer.byteLength(text);
    if (bytes > limits.maxFileBytes) {
      errors.push({ file, line: 1, col: 1, path: '', message: `the file is ${bytes} bytes: SLO files may be at most ${limits.maxFileBytes} bytes`, hint: `split it into several files, or raise ${limitSetting('maxFileBytes')}` });
      continue;
    }
    const parsed = parseYamlFile(file, text, limits);
    errors.push(...parsed.errors);
    const objects = parsed.documents.flatMap(objectsOf);
    if (objects.length === 0 && parsed.errors.length === 0) {
      errors.push({ file, line: 1, col: 1, path: '', message: 'the file holds no SLO document', hint: 'add an SLO, or remove the file from the SLO folder' });
    }
    const extra = objects[limits.maxDocuments];
    if (extra !== undefined) {
      errors.push({ ...extra.doc.locate([]), message: `the file holds more than ${limits.maxDocuments} SLO objects (YAML documents or items of a top-level list); none of them was read`, hint: `split it into several files, or raise ${limitSetting('maxDocuments')}` });
      continue;
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

  let loaded: LoadedSlo[] = [];
  const corrections: LoadedCorrection[] = [];
  for (const reader of readerList) {
    const objects = byFamily.get(reader);
    if (!objects) continue;
    const result = reader.read(objects, options);
    loaded.push(...result.slos.map(withLine));
    corrections.push(...(result.corrections ?? []));
    errors.push(...result.errors);
  }
  const composed = resolveComposites(loaded);
  loaded.splice(0, loaded.length, ...composed.loaded);
  errors.push(...composed.errors);
  errors.push(...checkModels(loaded, { ignoreDuplicates: options.ignoreDuplicates === true }));
  errors.push(...checkRunbooks(loaded, options));

  // Every SLO found is counted in its file; with duplicates ignored, only the first definition of an id is kept.
  const slosIn = countBy(loaded, (l) => l.slo.source.file);
  if (options.ignoreDuplicates === true) {
    const seen = new Set<string>();
    loaded = loaded.filter((l) => !seen.has(l.slo.id) && seen.add(l.slo.id) !== undefined);
  }
  const applied = applyCorrections(loaded, corrections);
  loaded = applied.loaded;
  errors.push(...applied.problems);

  const sorted = sortErrors(errors);
  const correctionsIn = countBy(corrections, (c) => c.correction.source.file);
  const errorsIn = countBy(sorted, (e) => e.file);
  const files: FileReport[] = texts.map(({ file }) => ({
    file,
    formats: [...(formatsByFile.get(file) ?? [])],
    slos: slosIn.get(file) ?? 0,
    corrections: correctionsIn.get(file) ?? 0,
    errors: errorsIn.get(file) ?? 0,
  }));
  return { slos: loaded.map((l) => l.slo), loaded, corrections, errors: sorted, files };
}

/** The SLO with the line of its name (its id, which every reader locates) in its source. */
function withLine(l: LoadedSlo): LoadedSlo {
  const at = l.at['id'];
  if (at === undefined || at.file !== l.slo.source.file) return l;
  return { ...l, slo: { ...l.slo, source: { ...l.slo.source, line: at.line } } };
}

/** A document is one object, or a top-level list of objects (OpenSLO allows both). */
function objectsOf(doc: LocatedDocument): { doc: LocatedDocument; value: unknown }[] {
  const value = doc.value();
  if (Array.isArray(value)) return value.map((v: unknown, i) => ({ doc: doc.child([i]), value: v }));
  return [{ doc, value }];
}

function checkRunbooks(loaded: readonly LoadedSlo[], options: LoadOptions): LocatedProblem[] {
  const errors: LocatedProblem[] = [];
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

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function sortErrors(errors: readonly LocatedProblem[]): LocatedProblem[] {
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
