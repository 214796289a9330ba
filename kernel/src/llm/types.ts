import type {
  LlmMessage,
  LlmResponse,
  LlmResponseFormat,
  LlmStreamEvent,
  LlmToolCall,
  LlmToolChoice,
  LlmToolDefinition,
  LlmUsage,
} from '@cinatra/sdk';

/**
 * The orchestration interface: the only way platform code (agents' runs, the chat assistant,
 * skill judgement, extensions through `llm.invoke`) calls a model. See `README.md` beside this file.
 */

/** Provider and model, as chosen per call, per agent or per instance. */
export interface LlmTarget {
  provider: string;
  model: string;
}

/** The agent a call is made for: picks its provider/model defaults and skills, and is recorded. */
export interface LlmAgentContext {
  /** Agent id, e.g. `@cinatra/research-brief`. */
  id: string;
  tags?: string[];
  /** The agent's own preference (`metadata.cinatra.llm`), used when the call names none. */
  preferred?: Partial<LlmTarget>;
}

export interface LlmCallOptions {
  messages: LlmMessage[];
  /** Instructions; matched skills are appended to it. */
  system?: string;
  /** Per-call choice; else the agent's preference; else the instance default. */
  provider?: string;
  model?: string;
  agent?: LlmAgentContext;
  /** The run this call belongs to (recorded on the usage event). */
  runId?: string;
  /**
   * The organization the call is billed to (usage event, budget check). Default: the actor's
   * organization when they belong to exactly one; otherwise the call counts against no org budget.
   */
  organizationId?: string;
  /** Functions offered to the model besides the injected MCP tools. */
  tools?: LlmToolDefinition[];
  /**
   * MCP tools of the registry (kernel primitives, extension tools) offered to the model, filtered
   * by what the calling actor may call: `true` for all of them, or a list of MCP tool names.
   * Calls the model makes to them are executed (authorized and audited as the actor) and their
   * results sent back, up to `maxToolRounds` times.
   */
  mcpTools?: boolean | string[];
  maxToolRounds?: number;
  toolChoice?: LlmToolChoice;
  /** Structured output: the final text must parse as JSON valid against `schema`. */
  responseFormat?: LlmResponseFormat;
  temperature?: number;
  maxOutputTokens?: number;
  /** Total time for the call, all attempts and tool rounds included. */
  timeoutMs?: number;
  /** Fallback when the chosen provider keeps failing with a retryable error; default: the instance's fallback. */
  fallback?: LlmTarget | false;
  /** Aborts the call: the vendor request in flight is cancelled, nothing is retried (`llm_cancelled`). */
  signal?: AbortSignal;
  /** `false`: inject no skills (the skill judge's own calls). Default: the matching skills. */
  skills?: false;
  /** Correlates the call's vendor requests (usage events, provider logs); default: a new UUID. */
  traceId?: string;
  /**
   * The extension making the call (`llm.invoke`), recorded on the usage events. Default: the
   * actor's id when the actor is an extension.
   */
  callerExtension?: string;
}

export interface LlmCallResult extends LlmResponse {
  /** The provider and model that answered (the fallback's, when it was used). */
  provider: string;
  /** Sum over every attempt and tool round of the call. */
  totalUsage: LlmUsage;
  costUsd: number;
  /** Parsed JSON when `responseFormat` was given. */
  structured?: unknown;
  /** Skills injected into the system prompt, by id. */
  skills: string[];
  /** The tool rounds that ran: each model request for tools and what the tools returned. */
  toolRounds: Array<{ calls: LlmToolCall[]; results: Array<{ toolCallId: string; isError: boolean }> }>;
  /** Vendor calls made (retries and fallback included). */
  attempts: number;
  usageEventIds: string[];
  /**
   * The conversation as it ended: the call's messages, the assistant and tool messages of the
   * tool rounds (function names as the model saw them), and the final assistant message. To
   * answer `toolCalls`, append one `tool` message per call and call again with these messages.
   */
  messages: LlmMessage[];
  traceId: string;
}

/** A streamed call: the vendor's events, then `done` with the same result `generate` gives. */
export type LlmCallStreamEvent =
  | Exclude<LlmStreamEvent, { type: 'finish' }>
  | { type: 'tool-result'; toolCallId: string; name: string; isError: boolean }
  /**
   * The orchestrator is about to send the request again: after a retryable failure (`delayMs`
   * of back-off first), to the fallback, or once more with a correction when the answer did not
   * match `responseFormat`. `attempt` is the number the next vendor request will have in the call.
   */
  | { type: 'retry'; attempt: number; delayMs: number; reason: string }
  | { type: 'done'; result: LlmCallResult };
