import { main } from './main.js';
import { flushed, ignoreClosedReader } from './cli/process-output.js';

ignoreClosedReader(process.stdout);
ignoreClosedReader(process.stderr);

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`burnwatch: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  code = 1;
}
// An explicit exit: no heap teardown after the work is done (see keepAlive in store/db.ts). But only once
// standard output and error have been handed to the operating system: writes to a pipe can still be waiting.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
