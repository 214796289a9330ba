import { RpcError, type CallToolResult } from '@cinatra/sdk';
import { inject, injectable } from 'tsyringe';
import { currentActor } from '../authz/ActorContext.js';
import { KernelError } from '../errors/KernelError.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { PRIMITIVE_REGISTRY, type PrimitiveRegistry } from '../primitives/PrimitiveRegistry.js';
import type { LlmToolDescriptor, LlmToolSource } from './LlmToolSource.js';

/**
 * The kernel's `LLM_TOOL_SOURCE`: the primitives the current actor may call. Calls go through
 * `PrimitiveRegistry.call` (`via: 'in-process'`), so they are validated, authorized and audited
 * like any other. A refusal or failure becomes an `isError` result the model reads, never a
 * throw. The host replaces this registration with the MCP gateway's catalogue, which adds the
 * tools of enabled extensions.
 */
@injectable()
export class PrimitiveToolSource implements LlmToolSource {
  constructor(
    @inject(PRIMITIVE_REGISTRY) private readonly primitives: PrimitiveRegistry,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(): Promise<LlmToolDescriptor[]> {
    return this.primitives.listFor(currentActor()).map((primitive) => ({
      name: primitive.name,
      description: primitive.description,
      inputSchema: primitive.inputSchema as Record<string, unknown>,
    }));
  }

  async call(
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal },
  ): Promise<CallToolResult> {
    try {
      const output = await this.primitives.call(name, args, { via: 'in-process', signal: options.signal });
      return {
        content: [{ type: 'text', text: JSON.stringify(output) }],
        structuredContent: output as Record<string, unknown>,
      };
    } catch (error) {
      if (error instanceof KernelError || error instanceof RpcError) {
        return errorResult(error.code, error.message);
      }
      this.logger.error({ err: error, tool: name }, 'a tool called by a model failed');
      return errorResult('internal_error', `${name} failed unexpectedly; the error was logged.`);
    }
  }
}

function errorResult(code: string, message: string): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ error: { code, message } }) }], isError: true };
}
