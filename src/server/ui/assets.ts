import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The status page's files, read once at start and served from memory: the page scripts and style sheet of
 * `static/` beside this module (copied next to the compiled module by the build), and uPlot's browser build
 * and style sheet from its npm package. Nothing is fetched from elsewhere. Their URLs carry a digest of
 * every file (`/ui/<version>/...`), so browsers may keep them for good and a new build is fetched at once.
 */

export interface Asset {
  readonly body: string;
  readonly contentType: string;
}

export interface Assets {
  /** Digest of all files: the path segment that makes their URLs change with their content. */
  readonly version: string;
  /** By path under /ui/<version>/ (`app.css`, `vendor/uPlot.iife.min.js`). */
  readonly files: ReadonlyMap<string, Asset>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** uPlot files served under vendor/: its browser build (a global `uPlot`) and its style sheet. */
const VENDOR = ['uplot/dist/uPlot.iife.min.js', 'uplot/dist/uPlot.min.css', 'uplot/LICENSE'] as const;

export function loadAssets(staticDir: string = fileURLToPath(new URL('./static/', import.meta.url))): Assets {
  const files = new Map<string, Asset>();
  for (const name of readdirSync(staticDir).sort()) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    files.set(name, { body: readFileSync(join(staticDir, name), 'utf8'), contentType: type });
  }
  const require = createRequire(import.meta.url);
  for (const module of VENDOR) {
    const name = module.slice(module.lastIndexOf('/') + 1);
    const body = readFileSync(require.resolve(module), 'utf8');
    files.set(`vendor/${name}`, { body: name === 'uPlot.iife.min.js' ? lazyIntl(body).body : body, contentType: TYPES[extname(name)] ?? 'text/plain; charset=utf-8' });
  }
  const digest = createHash('sha256');
  for (const [name, asset] of files) digest.update(name).update('\0').update(asset.body).update('\0');
  return { version: digest.digest('hex').slice(0, 12), files };
}

/**
 * uPlot's browser build looks up two things through `Intl` as it loads: a default number formatter (for axis
 * and legend values the page gives no formatter of its own; it gives one to every axis and series) and the
 * browser's time zone (compared in `uPlot.tzDate`, which the page calls with Etc/UTC only, a case decided
 * before the comparison). The first `Intl` object in a new tab loads the browser's locale data: 22-77 ms on this
 * machine, on the SLO page's critical path (uPlot runs before any chart can be made). The formatter is made
 * lazy (the same formatter, made on its first use), and the zone is not looked up: a zone name never equals
 * it, so a local zone takes uPlot's general path, which gives the same date. Each pattern must match once
 * (`applied` says how many did); a build they no longer match is served as it is (slower, not wrong) and the
 * assets spec fails, so that they are looked at again.
 */
const LAZY_INTL: readonly { readonly pattern: RegExp; readonly replacement: string }[] = [
  { pattern: /new Intl\.NumberFormat\(([^()]*)\)/g, replacement: '{f:null,format(v){return(this.f||(this.f=new Intl.NumberFormat($1))).format(v)}}' },
  { pattern: /\(new Intl\.DateTimeFormat\)\.resolvedOptions\(\)\.timeZone/g, replacement: '"(not looked up)"' },
];

/** uPlot's browser build with its load-time `Intl` lookups made lazy, and how many of LAZY_INTL applied. */
export function lazyIntl(source: string): { body: string; applied: number; of: number } {
  let body = source;
  let applied = 0;
  for (const { pattern, replacement } of LAZY_INTL) {
    if ((source.match(pattern) ?? []).length !== 1) continue;
    body = body.replace(pattern, replacement);
    applied++;
  }
  return { body, applied, of: LAZY_INTL.length };
}
