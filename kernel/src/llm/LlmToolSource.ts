import type { InjectionToken } from 'tsyringe';
import type { CallToolResult } from '@cinatra/sdk';

/** An MCP tool as offered to a model: its MCP name (`^[A-Za-z0-9._-]{1,128}$`), description and input schema. */
export interface LlmToolDescriptor {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/**
 * Where the orchestrator finds the MCP tools it injects into a call, and how it runs the calls
 * the model makes to them. Both act as the current actor (`currentScope()`): `list` returns only
 * what the actor may call, `call` is authorized and audited like any MCP call. The kernel's own
 * implementation serves the primitive registry; the host replaces it with the MCP gateway's
 * catalogue, which adds the tools enabled extensions contribute.
 */
export interface LlmToolSource {
  list(): Promise<LlmToolDescriptor[]>;
  /** Runs tool `name`; a failure the model should see comes back as `isError: true`, not a throw. */
  call(
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal },
  ): Promise<CallToolResult>;
}

export const LLM_TOOL_SOURCE: InjectionToken<LlmToolSource> = Symbol('LlmToolSource');
