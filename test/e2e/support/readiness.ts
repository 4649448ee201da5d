import { logTail, type ManagedProcess } from './processes.js';
import { waitFor } from './wait.js';

/**
 * Polls a started component's readiness probe. Fails fast when the process exits instead
 * of waiting out the timeout, and always puts the tail of its log into the error.
 */
export async function waitUntilReady(
  managed: ManagedProcess,
  timeoutMs: number,
  probe: () => Promise<true | undefined>,
): Promise<void> {
  let exitedWith: number | string | undefined;
  void managed.exited.then((code) => (exitedWith = code));
  try {
    await waitFor(
      `${managed.name} (pid ${managed.pid}) to become ready`,
      async () => {
        if (exitedWith !== undefined) throw new Error(`${managed.name} exited with ${exitedWith}`);
        return probe();
      },
      { timeoutMs, intervalMs: 250 },
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- last lines of ${managed.logFile} ---\n${logTail(managed.logFile)}`,
      {
        cause: err,
      },
    );
  }
}
