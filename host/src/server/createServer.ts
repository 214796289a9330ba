import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { KernelError, type Kernel } from '@cinatra/kernel';
import { adminUiRoutes, locateAdminUi } from './adminUi.js';
import { sendProblem, toKernelError } from './problem.js';
import { registerRequestContext } from './requestContext.js';
import { agentRoutes } from './routes/agents.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { extensionInstallRoutes } from './routes/extensionInstall.js';
import { githubInstallRoutes } from './routes/githubInstall.js';
import { extensionRoutes } from './routes/extensions.js';
import { healthRoutes } from './routes/health.js';
import { instanceRoutes } from './routes/instance.js';
import { llmRoutes } from './routes/llm.js';
import { mcpRoutes } from './routes/mcp.js';
import { notificationRoutes } from './routes/notifications.js';
import { organizationRoutes } from './routes/organizations.js';
import { primitiveRoutes } from './routes/primitives.js';
import { registryRoutes } from './routes/registries.js';
import { secretRoutes } from './routes/secrets.js';
import { skillRoutes } from './routes/skills.js';
import { teamRoutes } from './routes/teams.js';
import { tokenRoutes } from './routes/tokens.js';
import { trustRoutes } from './routes/trust.js';
import { userRoutes } from './routes/users.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { registerSseShutdown } from './sse.js';

export type CinatraServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  /** Extra routes registered after the platform's own (benchmarks, later subsystems). */
  plugins?: Array<(app: CinatraServer, kernel: Kernel) => void>;
  /** The built admin UI to serve at `/` (default: `@cinatra/ui`'s dist; null: none). */
  adminUiDir?: string | null;
}

/**
 * The platform's HTTP surface. Every route declares JSON schemas: they validate input,
 * serialise output (nothing undeclared leaks), and generate `/api/openapi.json`.
 */
export async function createServer(kernel: Kernel, options: ServerOptions = {}): Promise<CinatraServer> {
  const app = Fastify({
    loggerInstance: kernel.logger as FastifyBaseLogger,
    bodyLimit: kernel.config.server.bodyLimitBytes,
    genReqId: () => randomUUID(),
    trustProxy: false,
    // On close, drop idle keep-alive sockets at once but let in-flight requests finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are validated strictly: a wrong type is an error, never silently coerced,
  // and unknown fields are refused. Query strings and path params are text on the wire,
  // so there numbers and booleans are coerced from their string form.
  const strict = addFormats.default(
    new Ajv.default({
      allErrors: false,
      coerceTypes: false,
      removeAdditional: false,
      useDefaults: true,
      strict: false,
    }),
  );
  const lenient = addFormats.default(
    new Ajv.default({
      allErrors: false,
      coerceTypes: 'array',
      removeAdditional: false,
      useDefaults: true,
      strict: false,
    }),
  );
  for (const schema of SHARED_SCHEMAS) {
    strict.addSchema(schema);
    lenient.addSchema(schema);
    app.addSchema(schema);
  }
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : lenient).compile(schema),
  );

  // Bodies are JSON only: drop fastify's built-in text/plain parser so any other media type is a 415.
  app.removeContentTypeParser('text/plain');
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cinatra platform API',
        version: '0.1.0',
        description: 'Errors are RFC 9457 problem details (application/problem+json) with a stable `code`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: {
        securitySchemes: {
          bearerToken: { type: 'http', scheme: 'bearer', description: 'A Cinatra API token (cin_…)' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'cinatra_session' },
        },
      },
      security: [{ bearerToken: [] }, { sessionCookie: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = toKernelError(error as Error);
    if (problem.code === 'internal_error') request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new KernelError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );

  registerRequestContext(app, kernel);
  registerSseShutdown(app);
  for (const routes of [
    healthRoutes,
    instanceRoutes,
    authRoutes,
    userRoutes,
    organizationRoutes,
    teamRoutes,
    tokenRoutes,
    auditRoutes,
    secretRoutes,
    notificationRoutes,
    extensionRoutes,
    extensionInstallRoutes,
    githubInstallRoutes,
    trustRoutes,
    registryRoutes,
    primitiveRoutes,
    mcpRoutes,
    llmRoutes,
    skillRoutes,
    agentRoutes,
    ...(options.plugins ?? []),
  ]) {
    routes(app, kernel);
  }

  await adminUiRoutes(app, options.adminUiDir === undefined ? locateAdminUi() : options.adminUiDir);

  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return app;
}
