import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { KernelError, type Logger } from '@cinatra/kernel';

/**
 * A failed resources/read or prompts/get as the JSON-RPC error MCP answers it with. What the
 * caller asked for wrongly — an unknown resource or prompt, a bad argument, a read it may not
 * make — is -32602 (Invalid params; MCP's code for an unknown resource since SEP-2164) with the
 * platform's error code and field errors in `data`. Anything else is logged and answered
 * -32603 without detail.
 */
export function toMcpError(error: unknown, logger: Logger, what: string): McpError {
  if (error instanceof McpError) return error;
  if (error instanceof KernelError && error.status < 500) {
    return new McpError(ErrorCode.InvalidParams, error.message, {
      code: error.code,
      ...(error.details.errors ? { errors: error.details.errors } : {}),
    });
  }
  logger.error({ err: error, what }, 'MCP request failed');
  return new McpError(ErrorCode.InternalError, `${what} failed unexpectedly; the error was logged.`);
}
