import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { KernelError, currentActor, type Kernel } from '@cinatra/kernel';
import { MCP_GATEWAY, McpGateway } from '../../mcp/McpGateway.js';
import type { CinatraServer } from '../createServer.js';

export const MCP_SESSION_HEADER = 'mcp-session-id';

const Headers = Type.Object({
  [MCP_SESSION_HEADER]: Type.Optional(
    Type.String({ pattern: '^[\\x21-\\x7E]{1,128}$', description: 'The session id initialize returned' }),
  ),
});

const JsonRpcMessage = Type.Object(
  { jsonrpc: Type.Literal('2.0') },
  { additionalProperties: true, description: 'A JSON-RPC 2.0 request, notification or response' },
);

/**
 * MCP over Streamable HTTP at `/mcp` (see `McpGateway`). Authentication is the platform's
 * (Bearer API token, or the session cookie with its CSRF token): an anonymous request is a
 * 401 problem before MCP sees it. A session id belongs to the principal that initialized it;
 * any other caller gets 404, as for an unknown or expired session (the MCP client then
 * re-initializes). An initialize when all of the principal's sessions are in use is a 409
 * `conflict` problem (see `McpSessionTable`).
 *
 * The transport writes the response itself (`reply.hijack()`), so these routes are hidden from
 * the OpenAPI document: they speak JSON-RPC and SSE, not the problem+json REST conventions the
 * document promises. Headers and the POST body are still validated by fastify first.
 */
export function mcpRoutes(app: CinatraServer, kernel: Kernel): void {
  // One gateway per HTTP server: its sessions live and end with this server.
  const gateway = kernel.container.resolve(McpGateway);
  kernel.container.register(MCP_GATEWAY, { useValue: gateway });
  app.addHook('preClose', () => gateway.close());

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const sessionId = request.headers[MCP_SESSION_HEADER];
    let session;
    if (typeof sessionId === 'string') {
      session = gateway.session(sessionId, currentActor());
      if (!session) {
        throw new KernelError(
          'not_found',
          `No MCP session ${sessionId} is open for you (it ended or expired); send initialize to start a new one.`,
        );
      }
    } else if (request.method !== 'POST' || !isInitializeRequest(request.body)) {
      throw new KernelError(
        'validation_failed',
        'Start with an initialize request; then send its session id.',
        {
          errors: [{ path: `/headers/${MCP_SESSION_HEADER}`, message: 'is required after initialize' }],
        },
      );
    } else {
      // Before the hijack: a principal whose sessions are all in use gets a 409 problem.
      session = await gateway.open(currentActor());
    }
    reply.hijack();
    try {
      await gateway.handle(request.raw, reply.raw, request.body, session);
    } catch (error) {
      request.log.error({ err: error }, 'MCP request failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
      else reply.raw.destroy();
    }
  };

  const schema = { hide: true, headers: Headers };
  app.post(
    '/mcp',
    {
      schema: {
        ...schema,
        summary: 'MCP messages (Streamable HTTP)',
        body: Type.Union([JsonRpcMessage, Type.Array(JsonRpcMessage, { minItems: 1, maxItems: 100 })]),
      },
    },
    handler,
  );
  app.get('/mcp', { schema: { ...schema, summary: 'MCP server-to-client event stream' } }, handler);
  app.delete('/mcp', { schema: { ...schema, summary: 'End an MCP session' } }, handler);
}
