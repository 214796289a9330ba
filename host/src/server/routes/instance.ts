import { readFileSync } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { withProblems } from '../schemas.js';

/** The host package's version (`host/package.json`; the same path from `src/` and `dist/`). */
export const HOST_VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const InstanceView = Type.Object(
  {
    version: Type.String({ description: 'Version of the platform (the @cinatra/host package)' }),
    publicUrl: Type.String({
      description:
        'Base URL clients reach the instance at: server.publicUrl when configured, else derived from this request (its protocol and Host header)',
    }),
    mcpUrl: Type.String({ description: 'The MCP endpoint: publicUrl + /mcp' }),
    agentsDir: Type.String({ description: 'The agent install directory (agents.dir), absolute' }),
  },
  { $id: 'Instance', title: 'Instance' },
);

/**
 * Facts about this instance the admin UI shows (version, where MCP clients connect). Any
 * signed-in principal may read them: the route is not public, so the request context refuses
 * anonymous callers, and there is no resource to authorize beyond that (nor an audit event per
 * page load).
 */
export function instanceRoutes(app: CinatraServer, kernel: Kernel): void {
  app.addSchema(InstanceView);

  app.get(
    '/api/instance',
    {
      schema: {
        tags: ['instance'],
        summary: 'Version, public and MCP URLs and the agents directory of this instance',
        response: withProblems({ 200: Type.Ref('Instance') }),
      },
    },
    async (request) => {
      const publicUrl = publicUrlOf(kernel, request);
      return {
        version: HOST_VERSION,
        publicUrl,
        mcpUrl: `${publicUrl}/mcp`,
        agentsDir: kernel.config.agents.dir,
      };
    },
  );
}

/**
 * `server.publicUrl` without a trailing slash; unset, the origin this request was sent to. The
 * server does not trust proxy headers (`trustProxy: false`), so behind a TLS-terminating proxy
 * the derived URL says `http://`: configure `server.publicUrl` there.
 */
function publicUrlOf(kernel: Kernel, request: FastifyRequest): string {
  const configured = kernel.config.server.publicUrl;
  if (configured) return configured.replace(/\/+$/, '');
  const host = request.host || `${kernel.config.server.host}:${kernel.config.server.port}`;
  return `${request.protocol}://${host}`;
}
