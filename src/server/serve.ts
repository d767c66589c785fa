import type { Daemon } from '../runtime/daemon.js';
import type { SelfMetrics } from './self-metrics.js';
import { createSelfMetrics } from './self-metrics.js';
import { secretResolver } from '../runtime/secrets.js';
import { createServer } from './server.js';
import { statusPageRoutes } from './ui/routes.js';

/** The daemon's metrics: prom-client registry plus the hooks the daemon reports to. */
export function createDaemonMetrics(version: string, now: () => number): { hooks: SelfMetrics; metrics: SelfMetrics } {
  const metrics = createSelfMetrics({ version, now });
  return { hooks: metrics, metrics };
}

/**
 * Starts the HTTP server for a running daemon on `server.host:server.port`, with the API token (if configured)
 * read from its env var or file. A port in use is an error naming the setting.
 */
export async function serve(daemon: Daemon, metrics: { metrics: SelfMetrics }, io: { env: Readonly<Record<string, string | undefined>>; cwd: string }): Promise<{ close(): Promise<void> }> {
  const settings = daemon.config.raw.server;
  const tokenRef = settings.apiToken;
  const apiToken = tokenRef === undefined ? undefined : secretResolver(io.env, io.cwd)('env' in tokenRef ? { env: tokenRef.env } : { file: tokenRef.file }, 'server.apiToken');
  const logger = daemon.logger('api');
  const routes = statusPageRoutes(daemon.statusReader(), { version: daemon.version, silencesWritable: apiToken !== undefined && apiToken !== '' });
  const server = createServer(daemon, metrics.metrics, { ...(apiToken === undefined ? {} : { apiToken }), logger, routes });
  const bound = await server.listen(settings.host, settings.port);
  logger.info({ host: bound.host, port: bound.port }, 'HTTP server listening (status page /, /metrics, /healthz, /readyz, /api/v1)');
  return server;
}
