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
    files.set(`vendor/${name}`, { body: readFileSync(require.resolve(module), 'utf8'), contentType: TYPES[extname(name)] ?? 'text/plain; charset=utf-8' });
  }
  const digest = createHash('sha256');
  for (const [name, asset] of files) digest.update(name).update('\0').update(asset.body).update('\0');
  return { version: digest.digest('hex').slice(0, 12), files };
}
