import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import {
  CONFIG,
  LOGGER,
  currentActor,
  currentScope,
  runInScope,
  type ActorContext,
  type CinatraConfig,
  type Logger,
  type RequestScope,
} from '@cinatra/kernel';
import { MCP_PROMPT_REGISTRY, type McpPromptRegistry } from './McpPromptRegistry.js';
import { MCP_RESOURCE_CATALOG, type McpResourceCatalog } from './McpResourceCatalog.js';
import { McpSessionTable } from './McpSessionTable.js';
import { InvalidToolCall, MCP_TOOL_CATALOG, type McpToolCatalog } from './McpToolCatalog.js';
import { toMcpError } from './mcpErrors.js';

const SERVER_INFO = { name: 'cinatra', title: 'Cinatra', version: '0.1.0' };

/** One MCP session: an SDK server and its transport, for the principal that opened it. */
export interface McpSession {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  /** Only this principal may use the session id. */
  readonly principalId: string;
  close(): Promise<void>;
}

/** The request scope travels with each MCP message as the transport's `authInfo`. */
type ScopedRequest = IncomingMessage & { auth?: AuthInfo };

/**
 * The platform's MCP server over Streamable HTTP (`/mcp`): one SDK `Server` and transport per
 * session, for the principal that opened it, within the session limits of `McpSessionTable`
 * (`mcp.sessionIdleSeconds`, `mcp.sessionsPerPrincipal`).
 *
 * - tools: `McpToolCatalog` — the primitives and extension tools the caller may call; calls
 *   are authorized and audited with `via: 'mcp'` and the session id. Invalid arguments and
 *   unknown tools are JSON-RPC error -32602 naming the field; a refused or failed call is a
 *   tool result with `isError`, so a model reads why.
 * - resources: `McpResourceCatalog` — primitives, extensions, audit events as JSON.
 * - prompts: `McpPromptRegistry` — built-in prompts and those registered later (skills).
 *
 * Each list has `listChanged`: tool changes (primitives, extension tools), the enabled
 * extensions (resources) and prompt registrations are sent to every open session.
 */
@injectable()
export class McpGateway {
  private readonly sessions: McpSessionTable<McpSession>;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    @inject(MCP_TOOL_CATALOG) private readonly tools: McpToolCatalog,
    @inject(MCP_RESOURCE_CATALOG) private readonly resources: McpResourceCatalog,
    @inject(MCP_PROMPT_REGISTRY) private readonly prompts: McpPromptRegistry,
    @inject(CONFIG) config: CinatraConfig,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    this.sessions = new McpSessionTable(
      { idleMs: config.mcp.sessionIdleSeconds * 1000, perPrincipal: config.mcp.sessionsPerPrincipal },
      logger,
    );
    this.unsubscribe.push(
      this.tools.onChange(() => this.broadcast('tools', (server) => server.sendToolListChanged())),
      this.resources.onChange(() =>
        this.broadcast('resources', (server) => server.sendResourceListChanged()),
      ),
      this.prompts.onChange(() => this.broadcast('prompts', (server) => server.sendPromptListChanged())),
    );
  }

  /** The open session with this id, if it belongs to `actor` and has not expired. */
  session(sessionId: string, actor: ActorContext): McpSession | undefined {
    return this.sessions.find(sessionId, actor.principalId ?? '');
  }

  /**
   * A new session for `actor`, for an initialize request. Throws `conflict` (before anything
   * is written) when the actor's sessions are all in use; see `McpSessionTable`.
   */
  async open(actor: ActorContext): Promise<McpSession> {
    const server = new Server(SERVER_INFO, {
      capabilities: {
        tools: { listChanged: true },
        resources: { listChanged: true },
        prompts: { listChanged: true },
      },
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => this.sessions.initialized(session, id),
    });
    const session: McpSession = {
      transport,
      server,
      principalId: actor.principalId ?? '',
      close: () => server.close(),
    };
    await this.sessions.admit(session);
    // Set before connect: the server chains its own close handler after this one.
    transport.onclose = () => this.sessions.forget(session);
    this.handleRequests(server);
    await server.connect(transport);
    return session;
  }

  /**
   * Answers one HTTP request on `/mcp` (POST messages, GET the notification stream, DELETE
   * ends the session) in the current request scope. The caller has authenticated it and
   * found its session (`session`) or opened one for an initialize POST (`open`).
   */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, session: McpSession): Promise<void> {
    const scope = currentScope();
    (req as ScopedRequest).auth = {
      token: '',
      clientId: scope.actor.principalId ?? '',
      scopes: [...(scope.actor.tokenScopes ?? [])],
      extra: { scope },
    };
    // The session is busy until the response (or event stream) ends, however it ends.
    const end = this.sessions.begin(session);
    res.once('close', end);
    try {
      await session.transport.handleRequest(req, res, body);
    } finally {
      // An initialize that failed leaves a session nobody can address.
      if (!session.transport.sessionId) {
        this.sessions.forget(session);
        await session.close();
      }
    }
  }

  /** Ends every session (at server close): their event streams end, so the close is not held up. */
  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.sessions.closeAll();
  }

  /** Open sessions of `principalId` (diagnostics, tests). */
  sessionCount(principalId: string): number {
    return this.sessions.count(principalId);
  }

  private handleRequests(server: Server): void {
    server.setRequestHandler(ListToolsRequestSchema, (_request, extra) =>
      inScope(extra.authInfo, () => ({ tools: this.tools.tools(currentActor()) })),
    );
    server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      inScope(extra.authInfo, async () => {
        const { name, arguments: args = {} } = request.params;
        try {
          const result = await this.tools.invoke(name, args, {
            via: 'mcp',
            sessionId: extra.sessionId ?? null,
            signal: extra.signal,
          });
          return result as CallToolResult;
        } catch (error) {
          if (error instanceof InvalidToolCall)
            throw new McpError(ErrorCode.InvalidParams, error.message, error.data);
          throw new McpError(ErrorCode.InternalError, (error as Error).message);
        }
      }),
    );
    server.setRequestHandler(ListResourcesRequestSchema, (_request, extra) =>
      inScope(extra.authInfo, () => ({ resources: this.resources.resources(currentActor()) })),
    );
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (_request, extra) =>
      inScope(extra.authInfo, () => ({ resourceTemplates: this.resources.templates(currentActor()) })),
    );
    server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
      inScope(extra.authInfo, async () => {
        try {
          return await this.resources.read(request.params.uri, {
            actor: currentActor(),
            sessionId: extra.sessionId ?? null,
          });
        } catch (error) {
          throw toMcpError(error, this.logger, `Reading ${request.params.uri}`);
        }
      }),
    );
    server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) =>
      inScope(extra.authInfo, () => ({ prompts: this.prompts.listFor(currentActor()) })),
    );
    server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
      inScope(extra.authInfo, async () => {
        try {
          return await this.prompts.get(request.params.name, request.params.arguments ?? {}, {
            actor: currentActor(),
            sessionId: extra.sessionId ?? null,
            signal: extra.signal,
          });
        } catch (error) {
          throw toMcpError(error, this.logger, `Prompt ${request.params.name}`);
        }
      }),
    );
  }

  private broadcast(list: string, send: (server: Server) => Promise<void>): void {
    for (const { server, transport } of this.sessions.sessions()) {
      if (!transport.sessionId) continue;
      send(server).catch((error: unknown) => {
        this.logger.debug({ err: error, list }, `could not send ${list}/list_changed`);
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
