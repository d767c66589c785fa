import { readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig } from '../config/load.js';
import { isWarning } from '../formats/located.js';
import type { LocatedProblem } from '../formats/located.js';
import { findSpecFiles, loadSpecs } from '../formats/load.js';
import type { RoutingConfig } from '../notify/routing-config.js';
import { defaultRoutingConfig, parseRoutingConfig } from '../notify/routing-config.js';
import type { Slo } from '../slo/model.js';
import type { Logger } from '../logger.js';
import { problem, StartupError } from './startup-error.js';

/**
 * The files the daemon reads at start and on every reload: the routing config and the SLO folder, and what
 * identifies their content (for the change poller). Relative paths are against the daemon's working directory.
 */

/** The routing config (the default one, everything to standard output, when no file is set); throws StartupError. */
export function loadRouting(config: AppConfig, cwd: string, logger: Logger): RoutingConfig {
  if (config.routingFile === undefined) return defaultRoutingConfig();
  const path = resolve(cwd, config.routingFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StartupError([problem(config.routingFile, `cannot read the routing config: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check routing.file (BURNWATCH_ROUTING_FILE), or leave it out to send every notification to standard output', 'routing.file')]);
  }
  const parsed = parseRoutingConfig(config.routingFile, text);
  if (!parsed.ok) throw new StartupError(parsed.errors);
  for (const w of parsed.warnings) logger.warn({ component: 'routing', file: w.file, line: w.line, col: w.col, field: w.path }, w.message);
  return parsed.config;
}

/** Every SLO file under slos.path, or the problems that make the set unusable (warnings ride along). */
export function loadSlos(config: AppConfig, cwd: string): { ok: true; slos: Slo[]; warnings: LocatedProblem[] } | { ok: false; errors: LocatedProblem[] } {
  const path = resolve(cwd, config.slosPath);
  try {
    statSync(path);
  } catch {
    return { ok: false, errors: [problem(config.slosPath, `the SLO folder ${config.slosPath} does not exist`, 'set slos.path (BURNWATCH_SLOS) to the folder of your SLO files')] };
  }
  const result = loadSpecs([path], {
    cwd,
    defaultPeriodMs: config.defaultPeriodMs,
    limits: config.specLimits,
    ...(config.runbookRoot === undefined ? {} : { runbookRoot: resolve(cwd, config.runbookRoot) }),
  });
  const errors = result.errors.filter((e) => !isWarning(e));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, slos: [...result.slos], warnings: result.errors.filter(isWarning) };
}

/** What identifies the watched files' content: the SLO tree (through symlinks: git-sync swaps one) and the config files. */
export function watchedFingerprint(config: AppConfig, cwd: string): string {
  const parts: string[] = [];
  const slos = resolve(cwd, config.slosPath);
  try {
    parts.push(realpathSync(slos));
  } catch {
    parts.push('missing');
  }
  const files = findSpecFiles([slos], config.specLimits).files;
  if (config.routingFile !== undefined) files.push(resolve(cwd, config.routingFile));
  for (const f of files) {
    try {
      const st = statSync(f);
      parts.push(`${f}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push(`${f}:gone`);
    }
  }
  return parts.join('\n');
}
