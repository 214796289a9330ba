/**
 * The thought signatures of the function calls Gemini made, by the call id this provider gave
 * them. Gemini 3 models sign their function calls and refuse (400) a conversation whose current
 * turn replays a call without its signature; `LlmToolCall` has no place for it, and its id must
 * stay short and portable (the conversation may move to another provider), so the signature is
 * kept here and put back when the call is replayed. Bounded: the oldest are forgotten first.
 */
export class ThoughtSignatures {
  private readonly byCallId = new Map<string, string>();

  constructor(private readonly capacity = 4096) {}

  remember(callId: string, signature: string): void {
    this.byCallId.delete(callId);
    this.byCallId.set(callId, signature);
    if (this.byCallId.size > this.capacity) this.byCallId.delete(this.byCallId.keys().next().value!);
  }

  recall(callId: string): string | undefined {
    return this.byCallId.get(callId);
  }
}

/**
 * What Gemini's documentation gives for replaying a function call whose signature is unknown (a
 * history from another model, or from before this process started): the validator is skipped
 * for that call instead of the request being refused.
 */
export const UNKNOWN_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';
