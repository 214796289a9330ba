import { inject, injectable, type InjectionToken } from 'tsyringe';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  CLASSIFICATION_REGISTRY,
  KernelError,
  LOGGER,
  PRIMITIVE_REGISTRY,
  WORKSPACE,
  currentActor,
  decide,
  type ActorContext,
  type ClassificationRegistry,
  type LlmToolDescriptor,
  type LlmToolSource,
  type Logger,
  type PrimitiveRegistry,
  type PrimitiveSurface,
} from '@cinatra/kernel';
import { RpcError, type CallToolResult } from '@cinatra/sdk';
import {
  CONTRIBUTION_REGISTRY,
  type ContributionRegistry,
  type McpToolContribution,
} from '../extensions/ContributionRegistry.js';
import { EXTENSION_MANAGER, type ExtensionManager } from '../extensions/ExtensionManager.js';
import { extensionToolName } from './toolNames.js';

/** `_meta` key naming the extension that serves a tool (in tools/list and in its results). */
export const EXTENSION_META_KEY = 'cinatra.dev/extension';

/** A tool result as the catalogue returns it: the extension that served it is named in `_meta`. */
export type ToolCallResult = CallToolResult & { _meta?: Record<string, unknown> };

export interface ToolCallOptions {
  signal?: AbortSignal;
  /** The surface recorded with the call's authorization; default `in-process` (the LLM orchestrator). */
  via?: PrimitiveSurface;
  /** The MCP session the call came in, recorded with it. */
  sessionId?: string | null;
}

/**
 * The call cannot be made as asked: no such tool, or arguments that do not match its input
 * schema. `data` carries the field errors. MCP answers it with JSON-RPC -32602; `call` (for a
 * model) turns it into an error result the model can correct itself from.
 */
export class InvalidToolCall extends Error {
  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'InvalidToolCall';
  }
}

/**
 * The tools the current actor may call, under their MCP names, and the one way to call them:
 * what MCP clients see (`McpGateway`) and what the LLM orchestrator offers a model
 * (`LLM_TOOL_SOURCE`), so the two never differ.
 *
 * Tools are the kernel primitives the actor may call (`PRIMITIVE_REGISTRY.listFor`) and the
 * MCP tools of enabled extensions, named `<package prefix>.<tool>` (`extensionToolName`).
 * Names are unique: a primitive keeps its name, and of two extension tools that map to the same
 * name (or to a primitive's) only the first in package-name order is served; the others are
 * left out with a logged warning, since refusing an enable for a name clash would make the
 * order of enabling matter.
 *
 * An extension tool is listed when `extension:call_tool` on that extension and tool is allowed
 * (a pure `decide`, not audited): an API token scope `extension:call_tool:<package>` or
 * `extension:call_tool:<package>/<tool>` narrows the list as it narrows calls. Every call is
 * authorized and audited: primitives by the registry, extension tools by the extension manager
 * (event `extension.call_tool` on the extension, with the tool and the MCP name).
 */
@injectable()
export class McpToolCatalog implements LlmToolSource {
  /** MCP name → extension tool, rebuilt after a change of either registry. */
  private extensionToolsCache: Map<string, McpToolContribution> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    @inject(PRIMITIVE_REGISTRY) private readonly primitives: PrimitiveRegistry,
    @inject(CONTRIBUTION_REGISTRY) private readonly contributions: ContributionRegistry,
    @inject(EXTENSION_MANAGER) private readonly extensions: ExtensionManager,
    @inject(CLASSIFICATION_REGISTRY) private readonly classifications: ClassificationRegistry,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    const changed = () => {
      this.extensionToolsCache = null;
      for (const listener of this.listeners) listener();
    };
    this.primitives.onChange(changed);
    this.contributions.onChange(changed);
  }

  /** Calls `listener` whenever the set of tools may have changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The tools `actor` may call, as MCP tools: primitives first, then extension tools. */
  tools(actor: ActorContext = currentActor()): Tool[] {
    const tools: Tool[] = this.primitives.listFor(actor).map((primitive) => ({
      name: primitive.name,
      ...(primitive.title !== undefined ? { title: primitive.title } : {}),
      description: primitive.description,
      inputSchema: primitive.inputSchema as Tool['inputSchema'],
      outputSchema: primitive.outputSchema as Tool['outputSchema'],
      annotations: { ...primitive.annotations },
    }));
    for (const [name, tool] of this.extensionTools()) {
      if (!this.mayCall(actor, tool)) continue;
      tools.push({
        name,
        ...(tool.title !== undefined ? { title: tool.title } : {}),
        description: tool.description,
        inputSchema: tool.inputSchema as Tool['inputSchema'],
        ...(tool.outputSchema ? { outputSchema: tool.outputSchema as Tool['outputSchema'] } : {}),
        ...(tool.annotations ? { annotations: { ...tool.annotations } } : {}),
        _meta: { [EXTENSION_META_KEY]: tool.extension },
      });
    }
    return tools;
  }

  /** `LlmToolSource.list`: the tools of the current actor, as a model is offered them. */
  async list(): Promise<LlmToolDescriptor[]> {
    return this.tools().map(({ name, description, inputSchema }) => ({
      name,
      description: description ?? '',
      inputSchema: inputSchema as Record<string, unknown>,
    }));
  }

  /** The MCP name extension tool `tool` of `extension` is served under, or null when it is not served. */
  mcpNameOf(extension: string, tool: string): string | null {
    for (const [name, served] of this.extensionTools()) {
      if (served.extension === extension && served.name === tool) return name;
    }
    return null;
  }

  /**
   * `LlmToolSource.call`: runs a tool as the current actor and never throws for what the model
   * should see: an unknown tool, invalid arguments, a refusal or a failure is an `isError`
   * result with `{ error: { code, message } }` (`code` `invalid_params` for the first two).
   */
  async call(
    name: string,
    args: Record<string, unknown>,
    options: ToolCallOptions = {},
  ): Promise<ToolCallResult> {
    try {
      return await this.invoke(name, args, options);
    } catch (error) {
      if (error instanceof InvalidToolCall) return errorResult('invalid_params', error.message);
      return errorResult('internal_error', (error as Error).message);
    }
  }

  /**
   * Runs a tool as the current actor. Throws `InvalidToolCall` when there is no such tool or
   * the arguments do not match its input schema; a refused or failed call is an `isError`
   * result saying why; anything unexpected is logged and thrown.
   */
  async invoke(
    name: string,
    args: Record<string, unknown>,
    options: ToolCallOptions = {},
  ): Promise<ToolCallResult> {
    const via = options.via ?? 'in-process';
    const sessionId = options.sessionId ?? null;
    if (this.primitives.has(name)) {
      try {
        const output = await this.primitives.call(name, args, { via, sessionId, signal: options.signal });
        return {
          content: [{ type: 'text', text: JSON.stringify(output) }],
          structuredContent: output as Record<string, unknown>,
        };
      } catch (error) {
        return this.failure(name, error);
      }
    }
    const tool = this.extensionTools().get(name);
    if (!tool) throw new InvalidToolCall(`Tool ${name} not found.`);
    try {
      const result = await this.extensions.callTool(tool.extension, tool.name, args, {
        signal: options.signal,
        auditMetadata: { via, sessionId, mcpTool: name },
      });
      return { ...result, _meta: { [EXTENSION_META_KEY]: tool.extension } };
    } catch (error) {
      return this.failure(name, error);
    }
  }

  private mayCall(actor: ActorContext, tool: McpToolContribution): boolean {
    const resource = { type: 'extension', id: tool.extension, part: tool.name, owner: WORKSPACE };
    return decide(actor, this.classifications.get('extension', 'call_tool'), resource).allow;
  }

  /** Invalid arguments are thrown as `InvalidToolCall`; refusals and failures become error results. */
  private failure(tool: string, error: unknown): ToolCallResult {
    if (error instanceof KernelError && error.code === 'validation_failed') {
      throw new InvalidToolCall(error.message, { errors: error.details.errors });
    }
    if (error instanceof RpcError && (error.code === 'invalid_params' || error.code === 'not_found')) {
      throw new InvalidToolCall(error.message, error.data);
    }
    if (!(error instanceof KernelError) && !(error instanceof RpcError)) {
      this.logger.error({ err: error, tool }, 'tool call failed');
      throw new Error(`${tool} failed unexpectedly; the error was logged.`, { cause: error });
    }
    return errorResult(error.code, error.message);
  }

  /** Extension tools by MCP name; a name taken by a primitive or an earlier package is left out. */
  private extensionTools(): Map<string, McpToolContribution> {
    if (this.extensionToolsCache) return this.extensionToolsCache;
    const tools = new Map<string, McpToolContribution>();
    for (const tool of this.contributions.mcpTools()) {
      const name = extensionToolName(tool.extension, tool.name);
      const holder = this.primitives.has(name) ? 'a platform primitive' : tools.get(name)?.extension;
      if (holder) {
        this.logger.warn(
          { extension: tool.extension, tool: tool.name, mcpName: name, holder },
          `MCP tool name ${name} is taken by ${holder}; this tool of ${tool.extension} is not served`,
        );
        continue;
      }
      tools.set(name, tool);
    }
    this.extensionToolsCache = tools;
    return tools;
  }
}

function errorResult(code: string, message: string): ToolCallResult {
  return { content: [{ type: 'text', text: JSON.stringify({ error: { code, message } }) }], isError: true };
}

export const MCP_TOOL_CATALOG: InjectionToken<McpToolCatalog> = McpToolCatalog;
