/**
 * The logger every component receives (pino's surface): a static message, structured fields first, and a
 * child per component (`logger.child({ component: 'outbox' })`). Only the composition root makes the real
 * one (runtime/logger.ts); tests pass their own.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
