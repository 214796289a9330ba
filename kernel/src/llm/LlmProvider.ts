import type { LlmRequest, LlmResponse, LlmStreamEvent } from '@cinatra/sdk';

/**
 * A provider as the orchestrator sees it. The host registers one for every `llmProviders` entry
 * of an enabled extension (calls go to the extension's isolated process); nothing else talks to a
 * vendor. Failures are `LlmProviderError`s (kind, status, retry-after) or `RpcError`s of the
 * extension boundary (`extension_unavailable`, `deadline_exceeded`, a crash mid-call).
 */
export interface LlmProvider {
  /** Provider id, unique on the instance: `openai`, `anthropic`, `gemini`, `scripted`… */
  readonly id: string;
  readonly displayName: string;
  /** The package serving it (usage events record it), or null for a provider built into the kernel. */
  readonly extension: string | null;
  /** Model ids the provider declares (its manifest's `models`); empty when it accepts any. */
  readonly models: readonly string[];
  generate(request: LlmRequest, call: LlmProviderCall): Promise<LlmResponse>;
  /** Yields deltas and tool calls, then exactly one `finish` event. */
  stream(request: LlmRequest, call: LlmProviderCall): AsyncIterable<LlmStreamEvent>;
}

/** Per attempt: when to give up and how to correlate it. */
export interface LlmProviderCall {
  signal: AbortSignal;
  /** Milliseconds this attempt may take (the orchestrator's per-attempt timeout). */
  deadlineMs: number;
  traceId: string;
}

/** What `LlmProviderRegistry.onChange` reports: a provider id that appeared or went away. */
export interface LlmProviderChange {
  provider: string;
  registered: boolean;
}
