/**
 * Runs a subscription loop as an AsyncIterable whose `return()` works even while a `next()`
 * is pending (an idle tail may wait indefinitely, and a generator would only see the return
 * after that wait): it aborts the loop's signal first, which the loop treats as "stop now".
 * `outer` (the caller's signal) aborts it too.
 */
export function subscription<T>(
  outer: AbortSignal | undefined,
  run: (signal: AbortSignal) => AsyncGenerator<T, void>,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T, void> {
      const controller = new AbortController();
      const abort = () => controller.abort();
      if (outer?.aborted) controller.abort();
      else outer?.addEventListener('abort', abort, { once: true });
      const generator = run(controller.signal);
      const detach = () => outer?.removeEventListener('abort', abort);
      return {
        async next() {
          try {
            const result = await generator.next();
            if (result.done) detach();
            return result;
          } catch (error) {
            detach();
            throw error;
          }
        },
        async return() {
          controller.abort();
          detach();
          return generator.return();
        },
      };
    },
  };
}

/**
 * A wake-up flag for one waiting subscriber: `fire` may come at any time (a notification
 * while the subscriber reads); `wait` returns at once if one came since the last `reset`.
 */
export class Wakeup {
  private fired = false;
  private wake: (() => void) | null = null;

  readonly fire = (): void => {
    this.fired = true;
    this.wake?.();
  };

  reset(): void {
    this.fired = false;
  }

  async wait(signal: AbortSignal): Promise<void> {
    if (this.fired || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.wake = null;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
