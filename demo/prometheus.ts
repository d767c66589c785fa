import { execFile } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Child } from './processes.js';
import { freePort, spawnChild, waitForOk } from './processes.js';

/** The Prometheus configuration template beside this file; `{{SHOP_ADDRESS}}` becomes the shop's address. */
const TEMPLATE = new URL('prometheus.yml', import.meta.url);

/**
 * The labels Prometheus gives the shop's series when it scrapes them (the job name and the fixed instance
 * of the template), which the history must carry too to continue the same series.
 */
export async function scrapeTargetLabels(): Promise<Record<string, string>> {
  const config = parse(await readFile(TEMPLATE, 'utf8')) as { scrape_configs?: { job_name?: unknown; static_configs?: { labels?: Record<string, unknown> }[] }[] };
  const job = config.scrape_configs?.[0]?.job_name;
  const instance = config.scrape_configs?.[0]?.static_configs?.[0]?.labels?.['instance'];
  if (typeof job !== 'string' || typeof instance !== 'string') {
    throw new Error(`${fileURLToPath(TEMPLATE)}: the first scrape config needs a job_name and static_configs[0].labels.instance (the history is written with them)`);
  }
  return { job, instance };
}

/**
 * Writes the history into `dataDir` as TSDB blocks (`promtool tsdb create-blocks-from openmetrics`), before
 * Prometheus starts, so that it serves a day of data at once. Resolves with the milliseconds it took.
 */
export async function loadHistory(openMetrics: string, root: string, dataDir: string): Promise<number> {
  const input = join(root, 'history.om');
  await writeFile(input, openMetrics);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    execFile('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, dataDir], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`promtool tsdb create-blocks-from openmetrics failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
  return Date.now() - started;
}

export interface DemoPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly child: Child;
}

/** Starts Prometheus on a free port of 127.0.0.1 scraping the shop, and waits until it is ready. */
export async function startPrometheus(options: { root: string; dataDir: string; shopAddress: string; log: WriteStream }): Promise<DemoPrometheus> {
  const template = await readFile(TEMPLATE, 'utf8');
  if (!template.includes('{{SHOP_ADDRESS}}')) throw new Error(`${fileURLToPath(TEMPLATE)} has no {{SHOP_ADDRESS}} placeholder for the demo shop's address`);
  const configFile = join(options.root, 'prometheus.yml');
  await writeFile(configFile, template.replaceAll('{{SHOP_ADDRESS}}', options.shopAddress));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawnChild('Prometheus', 'prometheus', [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${options.dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // The history is a day long; keep a little more.
      '--storage.tsdb.retention.time=2d',
    ], { cwd: options.root, log: options.log });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForOk(`${url}/-/ready`, child, 60_000);
      return { url, child };
    } catch (err) {
      await child.stop();
      // Another program took the port between our check and Prometheus's start: try another one.
      if (attempt < 3 && /address already in use/i.test(child.tail(40))) continue;
      throw err;
    }
  }
}
