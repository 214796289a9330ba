import type { LlmProvider, LlmProviderCall } from '@cinatra/kernel';
import type { LlmRequest, LlmResponse, LlmStreamEvent } from '@cinatra/sdk';
import { streamedCall } from '@cinatra/sdk/process';
import type { LlmProviderContribution } from '../extensions/ContributionRegistry.js';
import type { ExtensionManager } from '../extensions/ExtensionManager.js';

/**
 * An LLM provider an extension serves, as the kernel's orchestrator sees it: each call crosses
 * into the extension's isolated process through `ExtensionManager.callLlm`, which starts the
 * extension on first use. Its description (name, models) comes from the manifest, so listing
 * providers starts nothing.
 */
export class ExtensionLlmProvider implements LlmProvider {
  readonly id: string;
  readonly displayName: string;
  readonly extension: string;
  readonly models: readonly string[];

  constructor(
    contribution: LlmProviderContribution,
    private readonly manager: ExtensionManager,
  ) {
    this.id = contribution.id;
    this.displayName = contribution.displayName;
    this.extension = contribution.extension;
    this.models = Object.freeze([...contribution.models]);
  }

  generate(request: LlmRequest, call: LlmProviderCall): Promise<LlmResponse> {
    return this.manager.callLlm(
      this.extension,
      'llm.generate',
      { provider: this.id, request },
      { signal: call.signal, deadlineMs: call.deadlineMs, traceId: call.traceId },
    );
  }

  /**
   * Yields the deltas and tool calls as the extension sends them, then the `finish` event built
   * from its response. A failure mid-stream (the vendor's `provider_error`, the process crashing,
   * the deadline) makes the iterator throw it; a consumer that stops reading cancels the call in
   * the extension, as aborting `call.signal` does.
   */
  stream(request: LlmRequest, call: LlmProviderCall): AsyncIterable<LlmStreamEvent> {
    return streamedCall(
      (onChunk, signal) =>
        this.manager.callLlm(
          this.extension,
          'llm.stream',
          { provider: this.id, request },
          { signal, deadlineMs: call.deadlineMs, traceId: call.traceId, onChunk },
        ),
      (response): LlmStreamEvent => ({ type: 'finish', response }),
      call.signal,
    );
  }
}
