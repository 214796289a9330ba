/**
 * One timer for every deadline of an RPC endpoint, instead of a `setTimeout` per call.
 *
 * Almost every call answers long before its deadline, so a timer per call is armed and cleared
 * for nothing, on each side, for each call (a `Timeout` object, a timer-list insert and unlink:
 * a measurable part of a round trip that otherwise costs a few µs). Here the owner keeps the
 * deadline in its own entry for the call, `schedule(at)` only arms the one timer when `at` is
 * earlier than the time it is armed for (the common case, calls with the same deadline arriving
 * in order, costs one comparison), and when the timer fires the owner's `sweep` expires what is
 * due and tells when the next deadline is. `idle()` (nothing pending any more) unrefs the timer,
 * so a finished call never keeps the process alive, without clearing it: an endpoint that goes
 * idle between bursts of calls would otherwise clear and re-arm it for every burst.
 *
 * Times are `performance.now()` milliseconds (monotonic). A deadline fires no earlier than it is
 * due and at most about a millisecond late, like a per-call `setTimeout`.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  /** Whether the armed timer keeps the process alive (something is pending). */
  private held = false;

  /**
   * `sweep(now)` expires every entry due at `now` and returns the earliest deadline still
   * pending (`Infinity` for none).
   */
  constructor(private readonly sweep: (now: number) => number) {}

  /** Makes sure the timer fires no later than `at`. */
  schedule(at: number): void {
    if (at >= this.armedAt) {
      if (!this.held) {
        this.timer!.ref();
        this.held = true;
      }
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    this.held = true;
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
  }

  /** Nothing is pending any more: the timer stays armed but no longer keeps the process alive. */
  idle(): void {
    if (!this.held) return;
    this.timer!.unref();
    this.held = false;
  }

  /** Disarms the timer (the endpoint is closed). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    this.held = false;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    this.held = false;
    const next = this.sweep(performance.now());
    if (next !== Infinity) this.schedule(next);
  };
}
