import { Type } from 'typebox';
import { PRIMITIVE_NAME_PATTERN, PRIMITIVE_REGISTRY, currentActor, type Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { withProblems } from '../schemas.js';

const JsonObject = (description: string) => Type.Object({}, { additionalProperties: true, description });

const PrimitiveView = Type.Object(
  {
    name: Type.String(),
    title: Type.Optional(Type.String()),
    description: Type.String(),
    inputSchema: JsonObject('JSON Schema of the input'),
    outputSchema: JsonObject('JSON Schema of the output'),
    classification: Type.Object({ resourceType: Type.String(), action: Type.String() }),
    annotations: Type.Object({
      readOnlyHint: Type.Optional(Type.Boolean()),
      destructiveHint: Type.Optional(Type.Boolean()),
      idempotentHint: Type.Optional(Type.Boolean()),
      openWorldHint: Type.Optional(Type.Boolean()),
    }),
  },
  { $id: 'Primitive', title: 'Primitive' },
);

const TAGS = ['primitives'];

/**
 * The kernel's primitive registry over HTTP: the same capabilities, schemas and authorization
 * as MCP and in-process callers. The list is what the caller may call; a call is validated
 * against the primitive's input schema (problems name `/input/...`), authorized and audited
 * (`via: http`) by the registry.
 */
export function primitiveRoutes(app: CinatraServer, kernel: Kernel): void {
  const primitives = kernel.resolve(PRIMITIVE_REGISTRY);
  app.addSchema(PrimitiveView);

  app.get(
    '/api/primitives',
    {
      schema: {
        tags: TAGS,
        summary: 'The primitives the caller may call, with their input and output schemas',
        response: withProblems({ 200: Type.Object({ primitives: Type.Array(Type.Ref('Primitive')) }) }),
      },
    },
    async () => ({ primitives: primitives.listFor(currentActor()) }),
  );

  app.post(
    '/api/primitives/call',
    {
      schema: {
        tags: TAGS,
        summary: 'Call a primitive by name with its input',
        body: Type.Object(
          {
            name: Type.String({ pattern: PRIMITIVE_NAME_PATTERN, description: 'e.g. marketplace.search' }),
            input: Type.Optional(JsonObject('Matches the primitive’s input schema (default {})')),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Object({ output: JsonObject('Matches its output schema') }) }),
      },
    },
    async (request, reply) => {
      // A client that goes away before the answer cancels the call (handlers get the signal).
      const abort = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) abort.abort();
      };
      reply.raw.once('close', onClose);
      try {
        const output = await primitives.call(request.body.name, request.body.input ?? {}, {
          via: 'http',
          signal: abort.signal,
        });
        return { output: output as Record<string, unknown> };
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
}
