import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';

/**
 * Headless Chromium from the system package (Debian's `chromium`), driven by playwright-core: no browser is
 * downloaded. Browser tests run only when BURNWATCH_BROWSER_TESTS=1 (CI sets it on one pass) and Chromium is
 * installed; `browserSkipReason` says why they are skipped otherwise.
 */

export const CHROMIUM = process.env['BURNWATCH_CHROMIUM'] ?? '/usr/bin/chromium';

export function browserSkipReason(): string | undefined {
  if (process.env['BURNWATCH_BROWSER_TESTS'] !== '1') return 'browser tests skipped: set BURNWATCH_BROWSER_TESTS=1 to run them (they need Debian\'s chromium at /usr/bin/chromium)';
  if (!existsSync(CHROMIUM)) return `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set BURNWATCH_CHROMIUM to its path)`;
  return undefined;
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile in a temporary folder, nothing that phones home, removed again on close. */
export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'burnwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
