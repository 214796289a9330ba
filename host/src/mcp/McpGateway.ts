import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import {
  CLASSIFICATION_REGISTRY,
  KernelError,
  LOGGER,
  PRIMITIVE_REGISTRY,
  WORKSPACE,
  currentActor,
  currentScope,
  decide,
  runInScope,
  type ActorContext,
  type ClassificationRegistry,
  type Logger,
  type PrimitiveRegistry,
  type RequestScope,
} from '@cinatra/kernel';
import { RpcError } from '@cinatra/sdk';
import {
  CONTRIBUTION_REGISTRY,
  type ContributionRegistry,
  type McpToolContribution,
} from '../extensions/ContributionRegistry.js';
import { EXTENSION_MANAGER, type ExtensionManager } from '../extensions/ExtensionManager.js';
import { extensionToolName } from './toolNames.js';

/** `_meta` key naming the extension that serves a tool (in tools/list and in its results). */
export const EXTENSION_META_KEY = 'cinatra.dev/extension';

const SERVER_INFO = { name: 'cinatra', title: 'Cinatra', version: '0.1.0' };

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  /** The principal that opened the session; only it may use the session id. */
  principalId: string;
}

/** The request scope travels with each MCP message as the transport's `authInfo`. */
type ScopedRequest = IncomingMessage & { auth?: AuthInfo };

/**
 * The platform's MCP server over Streamable HTTP (`/mcp`): one SDK `Server` and transport per
 * session, for the principal that opened it.
 *
 * Tools are the kernel primitives the caller may call (`PRIMITIVE_REGISTRY.listFor`) and the
 * MCP tools of enabled extensions, named `<package prefix>.<tool>` (`extensionToolName`).
 * Names are unique: a primitive keeps its name, and of two extension tools that map to the
 * same name (or to a primitive's) only the first in package-name order is served; the others
 * are left out with a logged warning, since refusing an enable for a name clash would make
 * the order of enabling matter.
 *
 * Every call is authorized and audited with `via: 'mcp'` and the session id: primitives by
 * the registry, extension tools by the extension manager (event `extension.call_tool` on
 * the extension, so the call is attributed to it). Invalid arguments are JSON-RPC error
 * -32602 naming the field; a refused or failed call is a tool result with `isError`, so a
 * model reads why.
 */
@injectable()
export class McpGateway {
  private readonly sessions = new Map<string, Session>();
  private readonly unsubscribe: Array<() => void> = [];
  /** MCP name → extension tool, rebuilt after a change of either registry. */
  private extensionToolsCache: Map<string, McpToolContribution> | null = null;

  constructor(
    @inject(PRIMITIVE_REGISTRY) private readonly primitives: PrimitiveRegistry,
    @inject(CONTRIBUTION_REGISTRY) private readonly contributions: ContributionRegistry,
    @inject(EXTENSION_MANAGER) private readonly extensions: ExtensionManager,
    @inject(CLASSIFICATION_REGISTRY) private readonly classifications: ClassificationRegistry,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    const changed = () => this.toolsChanged();
    this.unsubscribe.push(this.primitives.onChange(changed), this.contributions.onChange(changed));
  }

  /** The open session with this id, if it belongs to `actor`. */
  session(sessionId: string, actor: ActorContext): Session | undefined {
    const session = this.sessions.get(sessionId);
    return session && session.principalId === actor.principalId ? session : undefined;
  }

  /**
   * Answers one HTTP request on `/mcp` (POST messages, GET the notification stream, DELETE
   * ends the session) in the current request scope. The caller has authenticated it and
   * checked that it either names a session of its actor or is an initialize POST without one.
   */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, session?: Session): Promise<void> {
    const scope = currentScope();
    const { transport } = session ?? (await this.open(scope.actor));
    (req as ScopedRequest).auth = {
      token: '',
      clientId: scope.actor.principalId ?? '',
      scopes: [...(scope.actor.tokenScopes ?? [])],
      extra: { scope },
    };
    await transport.handleRequest(req, res, body);
  }

  /** Ends every session (at server close): their event streams end, so the close is not held up. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map((session) => session.server.close()));
  }

  /** The tools `actor` may call: primitives first, then extension tools. */
  toolsFor(actor: ActorContext): Tool[] {
    const tools: Tool[] = this.primitives.listFor(actor).map((primitive) => ({
      name: primitive.name,
      ...(primitive.title !== undefined ? { title: primitive.title } : {}),
      description: primitive.description,
      inputSchema: primitive.inputSchema as Tool['inputSchema'],
      outputSchema: primitive.outputSchema as Tool['outputSchema'],
      annotations: { ...primitive.annotations },
    }));
    const callTool = this.classifications.get('extension', 'call_tool');
    for (const [name, tool] of this.extensionTools()) {
      const resource = { type: 'extension', id: tool.extension, owner: WORKSPACE };
      if (!decide(actor, callTool, resource).allow) continue;
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

  private async open(actor: ActorContext): Promise<Session> {
    const server = new Server(SERVER_INFO, { capabilities: { tools: { listChanged: true } } });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, session);
      },
    });
    const session: Session = { transport, server, principalId: actor.principalId ?? '' };
    // Set before connect: the server chains its own close handler after this one.
    transport.onclose = () => {
      if (transport.sessionId && this.sessions.get(transport.sessionId) === session) {
        this.sessions.delete(transport.sessionId);
      }
    };
    server.setRequestHandler(ListToolsRequestSchema, (_request, extra) =>
      inScope(extra.authInfo, () => ({ tools: this.toolsFor(currentActor()) })),
    );
    server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      inScope(extra.authInfo, () =>
        this.callTool(
          request.params.name,
          request.params.arguments ?? {},
          extra.sessionId ?? null,
          extra.signal,
        ),
      ),
    );
    await server.connect(transport);
    return session;
  }

  private async callTool(
    name: string,
    args: Record<string, unknown>,
    sessionId: string | null,
    signal: AbortSignal,
  ): Promise<CallToolResult> {
    if (this.primitives.has(name)) {
      try {
        const output = await this.primitives.call(name, args, { via: 'mcp', sessionId, signal });
        return {
          content: [{ type: 'text', text: JSON.stringify(output) }],
          structuredContent: output as Record<string, unknown>,
        };
      } catch (error) {
        return this.failure(name, error);
      }
    }
    const tool = this.extensionTools().get(name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Tool ${name} not found.`);
    try {
      const result = await this.extensions.callTool(tool.extension, tool.name, args, {
        signal,
        auditMetadata: { via: 'mcp', sessionId, mcpTool: name },
      });
      return { ...result, _meta: { [EXTENSION_META_KEY]: tool.extension } } as CallToolResult;
    } catch (error) {
      return this.failure(name, error);
    }
  }

  /**
   * Invalid arguments are a protocol error (-32602, the message names the field); everything
   * else the call was refused or failed with is a tool error result saying why.
   */
  private failure(tool: string, error: unknown): CallToolResult {
    if (error instanceof KernelError && error.code === 'validation_failed') {
      throw new McpError(ErrorCode.InvalidParams, error.message, { errors: error.details.errors });
    }
    if (error instanceof RpcError && (error.code === 'invalid_params' || error.code === 'not_found')) {
      throw new McpError(ErrorCode.InvalidParams, error.message, error.data);
    }
    if (!(error instanceof KernelError) && !(error instanceof RpcError)) {
      this.logger.error({ err: error, tool }, 'MCP tool call failed');
      throw new McpError(ErrorCode.InternalError, `${tool} failed unexpectedly; the error was logged.`);
    }
    return {
      content: [
        { type: 'text', text: JSON.stringify({ error: { code: error.code, message: error.message } }) },
      ],
      isError: true,
    };
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

  private toolsChanged(): void {
    this.extensionToolsCache = null;
    for (const { server } of this.sessions.values()) {
      server.sendToolListChanged().catch((error: unknown) => {
        this.logger.debug({ err: error }, 'could not send tools/list_changed');
      });
    }
  }
}

/** Runs a handler in the scope (actor, request id, ip) of the HTTP request that carried it. */
function inScope<T>(authInfo: AuthInfo | undefined, fn: () => T): T {
  const scope = authInfo?.extra?.scope as RequestScope | undefined;
  if (!scope) throw new McpError(ErrorCode.InternalError, 'The request has no caller scope.');
  return runInScope(scope, fn);
}

export const MCP_GATEWAY: InjectionToken<McpGateway> = McpGateway;
