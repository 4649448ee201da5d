/** Polls `probe` until it returns a value other than undefined, or fails with `what` and the last error. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'condition not met yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${lastError}`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Re-reads an object until `ready` holds. On timeout the error shows `show` of the last
 * version read, so a stuck reconcile says where it stopped.
 */
export async function waitForState<T>(
  what: string,
  read: () => Promise<T>,
  ready: (value: T) => boolean,
  show: (value: T) => unknown,
  timeoutMs = 60_000,
): Promise<T> {
  let last: { value: T } | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = { value: await read() };
        return ready(last.value) ? last.value : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  } catch (err) {
    const seen = last ? JSON.stringify(show(last.value)) : '(never read)';
    throw new Error(`${(err as Error).message}\nlast seen: ${seen}`, { cause: err });
  }
}
