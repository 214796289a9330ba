import Ajv, { type ValidateFunction } from 'ajv';
import { RpcError } from '../protocol/messages.js';

const compiler = new Ajv.default({ strict: false, allErrors: false, coerceTypes: false });
/** Compiled once per schema object: manifests are read once and kept. */
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Checks a tool call's arguments against the tool's declared `inputSchema` before the call
 * reaches the extension, so an extension never sees arguments its manifest rules out (MCP's
 * "invalid params"). Throws `RpcError('invalid_params')` naming the first failing path.
 */
export function checkToolArguments(
  tool: { name: string; inputSchema: Record<string, unknown> },
  args: unknown,
): void {
  let validate = compiled.get(tool.inputSchema);
  if (!validate) {
    validate = compiler.compile(tool.inputSchema);
    compiled.set(tool.inputSchema, validate);
  }
  if (validate(args)) return;
  const first = validate.errors?.[0];
  const path = first?.instancePath || '/';
  throw new RpcError(
    'invalid_params',
    `Arguments of tool "${tool.name}" do not match its input schema: ${path} ${first?.message ?? 'is invalid'}.`,
    { path, errors: validate.errors },
  );
}
