import { pino } from 'pino';
import type { Logger } from '../logger.js';

/**
 * Structured JSON logs (pino): `service` and `version` on every line, `component` per module, `slo` where
 * one SLO is concerned, and `cycle` (the evaluated slot) on every line of one evaluation cycle. Logs go to
 * standard error so that standard output carries only the console receiver's notifications. Secrets are
 * redacted by key wherever they could appear.
 */
export const REDACT_PATHS = [
  'token', '*.token', 'password', '*.password', 'routingKey', '*.routingKey', 'routing_key', '*.routing_key',
  'apiToken', '*.apiToken', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'secret', '*.secret', 'bearerToken', '*.bearerToken',
];

export function createLogger(options: { level: string; version: string; destination?: number }): Logger {
  const logger = pino(
    {
      level: options.level,
      base: { service: 'burnwatch', version: options.version },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: options.destination ?? 2, sync: true }),
  );
  return wrap(logger);
}

function wrap(l: pino.Logger): Logger {
  return {
    info: (o, m) => l.info(o, m),
    warn: (o, m) => l.warn(o, m),
    error: (o, m) => l.error(o, m),
    debug: (o, m) => l.debug(o, m),
    child: (bindings) => wrap(l.child(bindings)),
  };
}
