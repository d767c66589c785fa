import Database from 'better-sqlite3';
import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Writes a page of garbage over the root page of `table` in a closed, checkpointed SQLite file (what a torn
 * write or a bad disk block leaves behind).
 */
export function corruptTablePage(path: string, table: string): void {
  const probe = new Database(path, { readonly: true });
  const { rootpage } = probe.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(table) as { rootpage: number };
  const pageSize = probe.pragma('page_size', { simple: true }) as number;
  probe.close();
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (rootpage - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}
