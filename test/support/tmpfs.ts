import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small tmpfs of its own: a disk that can be filled, or made read-only, without touching the machine's. */
export interface Tmpfs {
  readonly dir: string;
  /** Remounts it read-only (`true`) or read-write. */
  remount(readOnly: boolean): void;
  /** Writes a file until the file system has no space left; returns its path (delete it to free the space). */
  fill(): string;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeBytes` (needs root or CAP_SYS_ADMIN, which CI may not grant): the mount, or why it
 * cannot be made (for `ctx.skip`).
 */
export function mountTmpfs(sizeBytes: number): { ok: true; fs: Tmpfs } | { ok: false; reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'burnwatch-tmpfs-'));
  const mount = (options: string): { ok: boolean; message: string } => {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
    return { ok: r.status === 0, message: (r.error?.message ?? r.stderr).trim() };
  };
  const first = mount(`size=${sizeBytes}`);
  if (!first.ok) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, reason: `cannot mount a tmpfs (root or CAP_SYS_ADMIN needed): ${first.message}` };
  }
  let mounted = true;
  return {
    ok: true,
    fs: {
      dir,
      remount(readOnly) {
        const r = spawnSync('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`cannot remount ${dir}: ${r.stderr}`);
      },
      fill() {
        const path = join(dir, 'filler');
        const fd = openSync(path, 'w');
        const chunk = Buffer.alloc(64 * 1024, 1);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          // The last few bytes: no block smaller than the chunk stays free either.
          try {
            for (;;) writeSync(fd, chunk, 0, 512);
          } catch {
            // full
          }
        } finally {
          closeSync(fd);
        }
        return path;
      },
      unmount() {
        if (!mounted) return;
        mounted = false;
        spawnSync('umount', ['-l', dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}
