import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';
import { lostPortRace, removeDir, spawnManaged, trackDir, waitForReady } from './process.js';

export { hasBinary } from './process.js';

/**
 * Starts a real Alertmanager (Debian's binary is `prometheus-alertmanager`, not `alertmanager`) on
 * 127.0.0.1 with clustering off (`--cluster.listen-address=` empty, else gossip binds 0.0.0.0:9094) and a
 * temporary storage directory. Always call `stop()` (in `afterAll`).
 */

export interface StartAlertmanagerOptions {
  /** Complete alertmanager.yml; when given, `webhookUrl` and the timings below are ignored. */
  readonly configYaml?: string;
  /** Sends every notification to this URL (webhook receiver, `send_resolved: true`). */
  readonly webhookUrl?: string;
  /** Route timings of the generated config: fast by default so tests do not wait for the 30 s group_wait. */
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
  readonly extraFlags?: readonly string[];
  readonly readyTimeoutMs?: number;
  readonly binary?: string;
}

export interface RunningAlertmanager {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly readyAfterMs: number;
  output(): string;
  /** Stops Alertmanager and deletes its temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** The config written when no `configYaml` is given. */
export function defaultAlertmanagerConfig(options: StartAlertmanagerOptions = {}): string {
  const receiver: Record<string, unknown> = { name: 'default' };
  if (options.webhookUrl !== undefined) {
    receiver.webhook_configs = [{ url: options.webhookUrl, send_resolved: true, max_alerts: 0 }];
  }
  return stringify({
    route: {
      receiver: 'default',
      group_by: ['...'],
      group_wait: options.groupWait ?? '0s',
      group_interval: options.groupInterval ?? '1s',
      repeat_interval: options.repeatInterval ?? '1h',
    },
    receivers: [receiver],
  });
}

export async function startAlertmanager(options: StartAlertmanagerOptions = {}): Promise<RunningAlertmanager> {
  const root = await mkdtemp(join(tmpdir(), 'burnwatch-alertmanager-'));
  trackDir(root);
  try {
    const storage = join(root, 'data');
    await mkdir(storage);
    const configFile = join(root, 'alertmanager.yml');
    await writeFile(configFile, options.configYaml ?? defaultAlertmanagerConfig(options));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = [
        `--config.file=${configFile}`,
        `--storage.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        ...(options.extraFlags ?? []),
      ];
      const proc = spawnManaged(options.binary ?? 'prometheus-alertmanager', args, { cwd: root });
      const url = `http://127.0.0.1:${port}`;
      try {
        const readyAfterMs = await waitForReady(`${url}/-/ready`, proc, { name: 'alertmanager', timeoutMs: options.readyTimeoutMs ?? 30_000 });
        let stopping: Promise<void> | undefined;
        return {
          url,
          port,
          readyAfterMs,
          output: () => proc.output(),
          stop: () => {
            stopping ??= proc.stop().then(() => removeDir(root));
            return stopping;
          },
        };
      } catch (err) {
        await proc.stop();
        if (attempt < 3 && lostPortRace(proc.output())) continue;
        throw err;
      }
    }
  } catch (err) {
    await removeDir(root);
    throw err;
  }
}
