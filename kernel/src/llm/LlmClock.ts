import { setTimeout as delay } from 'node:timers/promises';
import type { InjectionToken } from 'tsyringe';

/**
 * Time and chance as the orchestrator's retry policy sees them: when it is, how to wait before
 * the next attempt, and the jitter. Replaceable so back-off can be tested without waiting.
 */
export interface LlmClock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export const systemLlmClock: LlmClock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, { signal });
    } catch (error) {
      throw signal.aborted ? signal.reason : error;
    }
  },
  random: () => Math.random(),
};

export const LLM_CLOCK: InjectionToken<LlmClock> = Symbol('LlmClock');
