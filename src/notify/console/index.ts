import type { AlertNotification, Notifier, NotifierDeps, NotifierFactory, SendContext, SendOutcome } from '../notifier.js';
import type { ReportDigest } from '../../report/digest.js';
import { DIGEST_RECORD_TYPE } from '../webhook/index.js';
import { ConsoleConfig } from './config.js';
import { renderConsoleLine } from './render.js';

/**
 * The console destination: one JSON line per notification (render.ts) written to `deps.stdout`, which the
 * composition root wires to the process's standard output. A write that throws (closed pipe) is a
 * retryable failure; the outbox decides.
 */

export class ConsoleOutputMissing extends Error {
  override readonly name = 'ConsoleOutputMissing';
}

function createConsoleNotifier(name: string, _config: ConsoleConfig, deps: NotifierDeps): Notifier {
  const out = deps.stdout;
  if (out === undefined) {
    throw new ConsoleOutputMissing(`console receiver "${name}" has no output stream: the program must pass NotifierDeps.stdout (e.g. process.stdout)`);
  }
  const stream = out;
  return {
    kind: 'console',
    name,
    send(notification: AlertNotification, _context: SendContext): Promise<SendOutcome> {
      return write(() => renderConsoleLine(notification, name));
    },
    /** A report digest: one JSON line `{ "type": "burnwatch.report-digest", "version": 1, "receiver", "digest" }`. */
    sendDigest(digest: ReportDigest, _context: SendContext): Promise<SendOutcome> {
      return write(() => `${JSON.stringify({ type: DIGEST_RECORD_TYPE, version: 1, receiver: name, digest })}\n`);
    },
  };

  function write(line: () => string): Promise<SendOutcome> {
    try {
      stream.write(line());
      return Promise.resolve({ ok: true });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return Promise.resolve({
        ok: false,
        retryable: true,
        reason: 'other',
        error: new Error(`console receiver "${name}": writing to standard output failed: ${message}\n  check where burnwatch's output goes (a closed pipe?)`, { cause: err }),
      });
    }
  }
}

export const consoleNotifier: NotifierFactory<ConsoleConfig> = {
  kind: 'console',
  config: ConsoleConfig,
  create: createConsoleNotifier,
};

export { ConsoleConfig } from './config.js';
