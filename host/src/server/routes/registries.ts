import { Type } from 'typebox';
import type { Kernel } from '@cinatra/kernel';
import { REGISTRY_SERVICE } from '@cinatra/registry';
import { PACKAGE_NAME_PATTERN, VERSION_PATTERN } from '../../extensions/trust/TrustStore.js';
import type { CinatraServer } from '../createServer.js';
import { DateTime, Uuid, withProblems } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const PackageName = Type.String({ pattern: PACKAGE_NAME_PATTERN, maxLength: 214 });
const Version = Type.String({ pattern: VERSION_PATTERN, maxLength: 100, description: 'An exact version' });
const Tier = Type.Union([
  Type.Literal('first-party'),
  Type.Literal('partner'),
  Type.Literal('community'),
  Type.Literal('private'),
]);

export const CatalogueEntryView = Type.Object({
  name: Type.String(),
  source: Type.Union([Type.Literal('instance'), Type.Literal('public')]),
  visibility: Type.Union([Type.Literal('private'), Type.Literal('public')]),
  description: Nullable(Type.String()),
  displayName: Nullable(Type.String()),
  kinds: Type.Array(Type.String()),
  latest: Type.String(),
  versions: Type.Array(Type.String()),
  publisher: Nullable(Type.String()),
  tier: Type.Union([Tier, Type.Null()]),
  signature: Type.Object({
    status: Type.Union(
      ['verified', 'unsigned', 'untrusted', 'revoked', 'invalid', 'unavailable'].map((s) => Type.Literal(s)),
    ),
    keyId: Nullable(Type.String()),
    detail: Nullable(Type.String()),
  }),
  permissions: Type.Array(Type.String()),
  promotedVersions: Type.Array(Type.String()),
});

export const PromotionView = Type.Object({
  name: Type.String(),
  version: Type.String(),
  destinationUrl: Type.String(),
  integrity: Type.String(),
  promotedBy: Nullable(Type.String()),
  promotedAt: DateTime,
});

export const DestinationView = Type.Object({
  url: Type.String(),
  tokenSecretId: Type.Union([Uuid, Type.Null()]),
  updatedBy: Nullable(Type.String()),
  updatedAt: DateTime,
});

const PackageVersionBody = Type.Object(
  { name: PackageName, version: Version },
  { additionalProperties: false },
);

const TAGS = ['registry'];

/**
 * The marketplace and Administration → registries over HTTP (platform admins). Package names
 * contain `/`, so they travel in the query string or the body, never in the path.
 */
export function registryRoutes(app: CinatraServer, kernel: Kernel): void {
  const registry = () => kernel.resolve(REGISTRY_SERVICE);

  app.get(
    '/api/registry/packages',
    {
      schema: {
        tags: TAGS,
        summary: 'Search or list the catalogue: the instance registry (private) and the public registry',
        querystring: Type.Object(
          {
            q: Type.Optional(
              Type.String({ maxLength: 200, description: 'npm search text; empty lists all' }),
            ),
            name: Type.Optional(PackageName),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Object({ packages: Type.Array(CatalogueEntryView) }) }),
      },
    },
    async (request) => {
      const { q, name } = request.query;
      if (name) return { packages: await registry().get(name) };
      return { packages: q ? await registry().search(q) : await registry().list() };
    },
  );

  app.get(
    '/api/registry/promotions',
    {
      schema: {
        tags: TAGS,
        summary: 'Versions this instance promoted to the public registry',
        response: withProblems({ 200: Type.Object({ promotions: Type.Array(PromotionView) }) }),
      },
    },
    async () => ({ promotions: await registry().promotions() }),
  );

  app.post(
    '/api/registry/promotions',
    {
      schema: {
        tags: TAGS,
        summary:
          'Promote a private package version to the public registry (one-way; exact bytes and signature)',
        body: PackageVersionBody,
        response: withProblems({ 201: PromotionView }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return registry().promote(request.body.name, request.body.version);
    },
  );

  app.post(
    '/api/registry/demotions',
    {
      schema: {
        tags: TAGS,
        summary: 'Make a public version private again: always refused (409), promotion is one-way',
        body: PackageVersionBody,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request) => registry().demote(request.body.name, request.body.version),
  );

  app.get(
    '/api/registry/destinations',
    {
      schema: {
        tags: TAGS,
        summary: 'Publish destinations: the public registry this instance promotes to (null when unset)',
        response: withProblems({ 200: Type.Object({ public: Type.Union([DestinationView, Type.Null()]) }) }),
      },
    },
    async () => ({ public: await registry().destination() }),
  );

  app.put(
    '/api/registry/destinations/public',
    {
      schema: {
        tags: TAGS,
        summary: 'Set the public registry: its URL and the workspace secret holding its token',
        body: Type.Object(
          {
            url: Type.String({ pattern: '^https?://', maxLength: 2000 }),
            tokenSecretId: Type.Union([Uuid, Type.Null()]),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: DestinationView }),
      },
    },
    async (request) => registry().setDestination(request.body),
  );

  app.delete(
    '/api/registry/destinations/public',
    {
      schema: {
        tags: TAGS,
        summary: 'Clear the public registry (promotions already made stay public)',
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (_request, reply) => {
      await registry().clearDestination();
      reply.code(204);
    },
  );
}
