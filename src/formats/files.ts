import { closeSync, constants, fstatSync, lstatSync, opendirSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { extname, join, relative, isAbsolute } from 'node:path';
import type { SpecLimits } from './limits.js';
import { limitSetting, withDefaults } from './limits.js';
import type { LocatedProblem } from './located.js';

export const SPEC_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface FoundFiles {
  readonly files: string[];
  /** Problems and skipped entries (warnings), located at the path concerned. */
  readonly errors: LocatedProblem[];
}

/**
 * Expands files and folders into the SLO files they hold (.yaml, .yml, .json; folders recursively, names
 * starting with "." skipped), sorted for stable output. git-sync trees are full of symlinks, so links are
 * followed, but no folder is searched twice (two links to "." are a loop, not an endless tree), no file is
 * read twice, and a link leaving the folder it was found in is skipped with a warning. Nothing but a
 * regular file is ever opened: a FIFO would block the reader forever, a device could stream without end.
 * At most `maxFiles` entries are looked at.
 */
export function findSpecFiles(paths: readonly string[], limits: Partial<SpecLimits> = {}): FoundFiles {
  const search = new Search(withDefaults(limits));
  for (const p of paths) search.start(p);
  return { files: [...search.files].sort(), errors: search.errors };
}

class Search {
  readonly files = new Set<string>();
  readonly errors: LocatedProblem[] = [];
  /** Where each file and folder (by device and inode) was first found. */
  private readonly fileAt = new Map<string, string>();
  private readonly folderAt = new Map<string, string>();
  private entries = 0;
  private stopped = false;

  constructor(private readonly limits: SpecLimits) {}

  start(path: string): void {
    if (this.stopped) return;
    let st: Stats;
    try {
      st = statSync(path);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') this.error(path, 'no such file or folder', 'check the path; folders are searched recursively for .yaml, .yml and .json files');
      else this.error(path, `cannot read it: ${describeCode(code, err)}`, hintFor(code));
      return;
    }
    if (st.isDirectory()) this.walk(path, st);
    else if (st.isFile()) this.addFile(path, st);
    else this.error(path, `not a regular file (${kindOf(st)}); burnwatch does not open it`, 'give a file or a folder of SLO files');
  }

  private walk(root: string, rootStat: Stats): void {
    let rootReal: string;
    try {
      rootReal = realpathSync(root);
    } catch (err) {
      this.error(root, `cannot read the folder: ${describeCode(codeOf(err), err)}`, hintFor(codeOf(err)));
      return;
    }
    if (!this.enterFolder(root, rootStat)) return;
    // Symlinks are followed after the folders and files they are found beside, so a folder or file reached
    // both ways is known by its own path, and the link is the one reported as the second way to it.
    const pending = [root];
    const links: string[] = [];
    for (;;) {
      const dir = pending.pop();
      if (dir === undefined) {
        const link = links.shift();
        if (link === undefined) return;
        const st = this.follow(link, rootReal);
        if (st !== undefined) this.take(link, st, pending);
        continue;
      }
      const names = this.list(dir, root);
      if (names === undefined) return;
      const folders: string[] = [];
      for (const name of names) {
        const path = join(dir, name);
        let st: Stats;
        try {
          st = lstatSync(path);
        } catch (err) {
          this.report(path, `cannot read it: ${describeCode(codeOf(err), err)}`, hintFor(codeOf(err)), isSpecName(path) ? 'error' : 'warning');
          continue;
        }
        if (st.isSymbolicLink()) links.push(path);
        else this.take(path, st, folders);
      }
      pending.push(...folders.reverse());
    }
  }

  /** A folder to search (into `folders`), an SLO file to read, or an entry to pass over. */
  private take(path: string, st: Stats, folders: string[]): void {
    if (st.isDirectory()) {
      if (this.enterFolder(path, st)) folders.push(path);
    } else if (isSpecName(path)) {
      if (st.isFile()) this.addFile(path, st);
      else this.error(path, `not a regular file (${kindOf(st)}); burnwatch does not open it`, 'remove it from the SLO folder, or rename it so it does not end in .yaml, .yml or .json');
    }
  }

  /** The names of a folder's entries, sorted; undefined when the search must stop (`maxFiles`). */
  private list(dir: string, root: string): string[] | undefined {
    const names: string[] = [];
    let handle;
    try {
      handle = opendirSync(dir);
    } catch (err) {
      this.error(dir, `cannot read the folder: ${describeCode(codeOf(err), err)}`, hintFor(codeOf(err)));
      return names;
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (++this.entries > this.limits.maxFiles) {
          this.stopped = true;
          this.error(root, `the SLO folder holds more than ${this.limits.maxFiles} files and folders: searching stopped at ${dir}`, `point slos.path at the folder of SLO files only, or raise ${limitSetting('maxFiles')}`);
          return undefined;
        }
        // .git, editor files, git-sync's internal folders
        if (!entry.name.startsWith('.')) names.push(entry.name);
      }
    } catch (err) {
      this.error(dir, `cannot read the folder: ${describeCode(codeOf(err), err)}`, hintFor(codeOf(err)));
    } finally {
      handle.closeSync();
    }
    return names.sort((a, b) => a.localeCompare(b));
  }

  /** What a symlink leads to; undefined for one to pass over (reported when it matters). */
  private follow(path: string, rootReal: string): Stats | undefined {
    const specName = isSpecName(path);
    // A link to nothing: an error where an SLO file was meant, else a warning (it may be a folder of them).
    const severity = specName ? 'error' : 'warning';
    let st: Stats;
    let real: string;
    try {
      st = statSync(path);
      real = realpathSync(path);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') this.report(path, 'the symlink points to nothing (its target does not exist): skipped', 'fix or remove the link', severity);
      else if (code === 'ELOOP') this.report(path, 'the symlink is a loop of links: skipped', 'fix or remove the link', severity);
      else this.report(path, `cannot read it: ${describeCode(code, err)}`, hintFor(code), severity);
      return undefined;
    }
    if (!isInside(real, rootReal)) {
      if (specName || st.isDirectory()) {
        this.report(path, `the symlink leads out of the SLO folder (to ${real}): skipped`, 'link only to files and folders inside the SLO folder, or point slos.path at a folder that holds both', 'warning');
      }
      return undefined;
    }
    return st;
  }

  /** Marks a folder searched; false (with a warning) when it already was, through another path. */
  private enterFolder(path: string, st: Stats): boolean {
    const first = firstSeen(this.folderAt, st, path);
    if (first === undefined) return true;
    this.report(path, `the same folder as ${first}, already searched (a symlink loop, or a second link to it): skipped`, 'remove the extra link if it is not meant', 'warning');
    return false;
  }

  private addFile(path: string, st: Stats): void {
    const first = firstSeen(this.fileAt, st, path);
    if (first === undefined) this.files.add(path);
    else if (first !== path) this.report(path, `the same file as ${first}: read once, there`, 'remove the extra link if it is not meant', 'warning');
  }

  private error(file: string, message: string, hint: string): void {
    this.report(file, message, hint, 'error');
  }

  private report(file: string, message: string, hint: string, severity: 'error' | 'warning'): void {
    this.errors.push({ file, line: 1, col: 1, path: '', message, hint, ...(severity === 'warning' ? { severity } : {}) });
  }
}

/** The path a file or folder was first found at; undefined (and `path` recorded) when this is the first time. */
function firstSeen(seen: Map<string, string>, st: Stats, path: string): string | undefined {
  const id = `${st.dev}:${st.ino}`;
  const first = seen.get(id);
  if (first === undefined) seen.set(id, path);
  return first;
}

function isSpecName(path: string): boolean {
  return SPEC_EXTENSIONS.has(extname(path).toLowerCase());
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'not a file';
}

export type ReadResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: LocatedProblem };

/** Bytes read so far in one load, against `maxTotalBytes`. */
export interface ReadBudget {
  bytes: number;
}

/**
 * Reads one SLO file as UTF-8 text, within `maxFileBytes` and what is left of `maxTotalBytes`: the size is
 * checked before anything is read, so a 20 MB file costs nothing. The file is opened non-blocking and
 * checked to be a regular file once open (it may have been swapped for a FIFO since the search).
 */
export function readSpecFile(file: string, limits: SpecLimits, budget: ReadBudget): ReadResult {
  const fail = (message: string, hint: string, line = 1, col = 1): ReadResult => ({ ok: false, error: { file, line, col, path: '', message, hint } });
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return fail(`cannot read the file: ${describeCode(codeOf(err), err)}`, hintFor(codeOf(err)));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return fail(`not a regular file (${kindOf(st)}); burnwatch does not open it`, 'remove it from the SLO folder');
    if (st.size > limits.maxFileBytes) {
      return fail(`the file is ${st.size} bytes: SLO files may be at most ${limits.maxFileBytes} bytes; it was not read`, `split it into several files, or raise ${limitSetting('maxFileBytes')}`);
    }
    if (budget.bytes + st.size > limits.maxTotalBytes) {
      return fail(`not read: with it the SLO files would hold more than ${limits.maxTotalBytes} bytes together`, `remove files that are not SLOs from the SLO folder, or raise ${limitSetting('maxTotalBytes')}`);
    }
    // One byte more than the size: a file that grew since fstat shows it.
    const buffer = Buffer.alloc(st.size + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buffer.length; n += got) got = readSync(fd, buffer, n, buffer.length - n, null);
    if (n > st.size) return fail('the file changed while it was being read', 'it is read again at the next reload');
    budget.bytes += n;
    return decodeUtf8(buffer.subarray(0, n), fail);
  } catch (err) {
    return fail(`cannot read the file: ${describeCode(codeOf(err), err)}`, hintFor(codeOf(err)));
  } finally {
    closeSync(fd);
  }
}

const UTF16_32_BOMS: readonly (readonly number[])[] = [[0x00, 0x00, 0xfe, 0xff], [0xff, 0xfe, 0x00, 0x00], [0xfe, 0xff], [0xff, 0xfe]];

/** UTF-8 text (a UTF-8 byte order mark is dropped); UTF-16, UTF-32 and invalid UTF-8 are located errors. */
function decodeUtf8(bytes: Buffer, fail: (message: string, hint: string, line?: number, col?: number) => ReadResult): ReadResult {
  if (UTF16_32_BOMS.some((bom) => bom.every((b, i) => bytes[i] === b))) {
    return fail('the file is UTF-16 or UTF-32 text (it starts with that byte order mark)', 'save it as UTF-8');
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = lossy.indexOf('\uFFFD');
    const before = lossy.slice(0, Math.max(0, at));
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    return fail('the file is not UTF-8 text (bytes that are not UTF-8 here)', 'save it as UTF-8; a binary file does not belong in the SLO folder', line, col);
  }
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function describeCode(code: string | undefined, err: unknown): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'a loop of symlinks';
    case 'ENOENT':
      return 'it does not exist (any more)';
    default:
      return code ?? (err as Error).message;
  }
}

function hintFor(code: string | undefined): string {
  return code === 'EACCES' || code === 'EPERM' ? 'let the user burnwatch runs as read it' : 'check the path';
}
