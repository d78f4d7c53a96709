/**
 * Stops gracefully on the first SIGTERM or SIGINT: runs `close` once, then exits 0, or prints
 * the error and exits 1 when closing fails. Later signals while closing are ignored.
 */
export function stopOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping gracefully…`);
    void close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
