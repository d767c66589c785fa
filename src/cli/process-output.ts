/**
 * The CLI's standard output and error around an explicit `process.exit` (see src/cli.ts).
 *
 * Writes to a pipe are not synchronous: what the kernel's pipe buffer cannot take at once waits in the
 * process, and `process.exit` would drop it (`burnwatch rules | kubectl apply -f -` got the first 64 KiB).
 * So the exit waits until every write so far has been handed to the operating system.
 *
 * A reader that goes away early (`burnwatch rules | head -1`) makes the next write fail with EPIPE; that is
 * not the command's failure: the rest of the output is dropped quietly and the command ends with its own
 * exit status.
 */

/** The part of `process.stdout` / `process.stderr` used here. */
export interface OutputStream {
  readonly destroyed: boolean;
  readonly writableLength: number;
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const GONE_READER = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/** Drops output quietly once the reader has gone away; any other stream error is still thrown. */
export function ignoreClosedReader(stream: OutputStream): void {
  stream.on('error', (err) => {
    if (GONE_READER.has((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  });
}

/** Resolves once everything written to `stream` so far has left the process (or cannot: the reader is gone). */
export function flushed(stream: OutputStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableLength === 0) {
      resolve();
      return;
    }
    // Writes complete in order: the callback of an empty write runs after every earlier one completed.
    stream.write('', () => resolve());
  });
}
