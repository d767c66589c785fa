/**
 * Bounds on what reading SLO files may cost. SLO folders are edited by many people and synced by tools:
 * a file over a bound is an error for that file (located, saying which setting raises the bound), the other
 * files still load, and no file can make burnwatch hang, run out of memory or overflow its stack.
 *
 * The daemon takes them from `slos.limits` in its settings; the CLI commands use the defaults.
 */
export interface SpecLimits {
  /** Bytes one SLO file may hold; a larger file is not read at all. */
  readonly maxFileBytes: number;
  /** Bytes all SLO files of one load may hold together; files past the bound are not read. */
  readonly maxTotalBytes: number;
  /** Files and folders searched in the SLO tree (every entry counts, SLO files or not). */
  readonly maxFiles: number;
  /** SLO objects in one file: YAML documents, or items of a top-level list. */
  readonly maxDocuments: number;
  /** Levels of maps and lists inside each other, aliases expanded. */
  readonly maxDepth: number;
  /** Characters in one string (a key or a value: descriptions, queries, names, ...). */
  readonly maxStringLength: number;
  /** Values (keys, strings, numbers, maps, lists) in one file, counting what aliases and merge keys copy in. */
  readonly maxValues: number;
}

export const DEFAULT_SPEC_LIMITS: SpecLimits = {
  maxFileBytes: 1024 * 1024,
  maxTotalBytes: 8 * 1024 * 1024,
  maxFiles: 10_000,
  maxDocuments: 1_000,
  maxDepth: 64,
  maxStringLength: 16 * 1024,
  maxValues: 100_000,
};

/**
 * The highest `maxDepth` a setting may ask for: the YAML library composes nested collections recursively,
 * and a few hundred levels are far from its stack's end (it overflows near 1,000).
 */
export const MAX_DEPTH_CEILING = 256;

/** Where each bound is set, for the hints of the messages. */
export function limitSetting(name: keyof SpecLimits): string {
  return `slos.limits.${name}`;
}

export function withDefaults(limits: Partial<SpecLimits> | undefined): SpecLimits {
  return { ...DEFAULT_SPEC_LIMITS, ...limits };
}
