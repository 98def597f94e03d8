/** Backoff with full jitter, and waits that can be cut short. */

/** How retries are spaced. */
export interface RetryPolicy {
  /** The first wait's upper bound in ms (default 1000). */
  baseMs: number;
  /** The longest wait in ms (default 60000). */
  capMs: number;
}

/** The default spacing: 1 s, 2 s, 4 s … up to a minute, each drawn at random below that. */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, capMs: 60_000 };

/**
 * The wait before retry number `attempt` (0 = the first retry): a random time between 0 and
 * `min(cap, base · 2^attempt)` ("full jitter"), so a village's phones coming back online at
 * once do not retry in step. A `Retry-After` from the server is a floor.
 */
export function backoff(
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY,
  retryAfterSecs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, (retryAfterSecs ?? 0) * 1000);
}

/** A wait that ends after `ms`, or early when `wake()` is called or the signal aborts. */
export class Waiter {
  private wakers = new Set<() => void>();

  /** Waits `ms` (or less when woken); resolves `false` when the signal aborted. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        signal?.removeEventListener("abort", abort);
        resolve(value);
      };
      const wake = () => done(true);
      const abort = () => done(false);
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
      signal?.addEventListener("abort", abort);
    });
  }

  /** Ends every wait now (e.g. when the phone comes back online). */
  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
