import { Type } from 'typebox';
import { KernelError, type Kernel } from '@cinatra/kernel';
import { PERMISSION_PATTERN } from '@cinatra/sdk';
import { EXTENSION_MANAGER } from '../../extensions/ExtensionManager.js';
import { INSTALL_PIPELINE } from '../../extensions/install/InstallPipeline.js';
import { STAGES } from '../../extensions/install/InstallJournal.js';
import {
  LocalPackageSource,
  embeddedRegistrySource,
  type PackageSource,
} from '../../extensions/install/PackageSource.js';
import type { CinatraServer } from '../createServer.js';
import { DateTime, Uuid, withProblems } from '../schemas.js';

const PackageName = Type.String({
  pattern: '^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*$',
  maxLength: 214,
  description: 'npm package name, e.g. @cinatra/github',
});
const Range = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'semver range, exact version or latest (default)',
});
const Permissions = Type.Array(Type.String({ pattern: PERMISSION_PATTERN }), {
  maxItems: 100,
  description: 'Must equal the permissions the version requests',
});
const Upload = Type.Object(
  {
    tarball: Type.String({
      contentEncoding: 'base64',
      pattern: '^[A-Za-z0-9+/]*={0,2}$',
      minLength: 4,
      description: 'The npm-style .tgz, base64',
    }),
    bundle: Type.Object({}, { additionalProperties: true, description: 'Its Sigstore bundle (JSON)' }),
  },
  { additionalProperties: false },
);
const PackageFields = {
  range: Type.Optional(Range),
  approvePermissions: Type.Optional(Permissions),
  approveDependencies: Type.Optional(
    Type.Record(PackageName, Permissions, { description: 'Approvals for dependencies installed first' }),
  ),
  package: Type.Optional(Upload),
  dependencies: Type.Optional(
    Type.Array(Upload, { maxItems: 20, description: 'Uploaded packages of dependencies not yet installed' }),
  ),
};

const OperationError = Type.Union([
  Type.Object({ code: Type.String(), message: Type.String() }),
  Type.Null(),
]);
const Stage = Type.Union(STAGES.map((s) => Type.Literal(s)));
const Status = Type.Union(
  ['running', 'pending_consent', 'succeeded', 'failed', 'rolled_back'].map((s) => Type.Literal(s)),
);
export const OperationView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Union(['install', 'update', 'archive', 'restore', 'uninstall'].map((s) => Type.Literal(s))),
    extension: Type.String(),
    fromVersion: Type.Union([Type.String(), Type.Null()]),
    toVersion: Type.Union([Type.String(), Type.Null()]),
    stage: Stage,
    status: Status,
    error: OperationError,
    requestedPermissions: Type.Array(Type.String()),
    addedPermissions: Type.Array(Type.String(), {
      description: 'Requested now, not by the version it replaces',
    }),
    source: Type.Union([Type.String(), Type.Null()]),
    actorId: Type.Union([Type.String(), Type.Null()]),
    createdAt: DateTime,
    updatedAt: DateTime,
    finishedAt: Type.Union([DateTime, Type.Null()]),
    stages: Type.Array(
      Type.Object({
        stage: Stage,
        status: Type.Union(
          ['started', 'succeeded', 'failed', 'rolled_back', 'recovered'].map((s) => Type.Literal(s)),
        ),
        error: OperationError,
        startedAt: DateTime,
        finishedAt: Type.Union([DateTime, Type.Null()]),
      }),
    ),
  },
  { $id: 'ExtensionOperation', title: 'ExtensionOperation' },
);

const TAGS = ['extensions'];
const response = withProblems({ 200: Type.Ref('ExtensionOperation') });
const Params = Type.Object({ extensionId: Uuid });
const OperationParams = Type.Object({ operationId: Uuid });

/**
 * The install pipeline over HTTP, for platform admins (the pipeline authorizes and audits
 * every call). A package comes from the instance registry (embedded Verdaccio or
 * `registry.url`) by name and range, or from an upload (`package`: base64 tarball + bundle,
 * within the server's `server.bodyLimitBytes`; raise it for large uploads, or publish to the
 * registry, or use the CLI with the .tgz). Every call
 * answers with the journaled operation: `succeeded`, or `pending_consent` with the
 * permissions to approve; a refused or failed operation is a problem naming the stage and
 * reason, after rollback.
 */
export function extensionInstallRoutes(app: CinatraServer, kernel: Kernel): void {
  const pipeline = kernel.resolve(INSTALL_PIPELINE);
  const manager = kernel.resolve(EXTENSION_MANAGER);
  app.addSchema(OperationView);

  const sourceOf = (body: {
    package?: { tarball: string; bundle: object };
    dependencies?: Array<{ tarball: string; bundle: object }>;
  }): PackageSource => {
    if (!body.package) {
      return embeddedRegistrySource(kernel, 'upload the package instead (`package`: tarball + bundle).');
    }
    return new LocalPackageSource(
      [body.package, ...(body.dependencies ?? [])].map((p) => ({
        tarball: Buffer.from(p.tarball, 'base64'),
        bundle: p.bundle,
      })),
    );
  };

  app.post(
    '/api/extensions/install',
    {
      schema: {
        tags: TAGS,
        summary: 'Install an extension (and the dependencies it needs) through the journaled pipeline',
        body: Type.Object(
          { name: Type.Optional(PackageName), ...PackageFields },
          { additionalProperties: false },
        ),
        response,
      },
    },
    async (request) => {
      const source = sourceOf(request.body);
      const name =
        request.body.name ?? (source instanceof LocalPackageSource ? source.primary.name : undefined);
      if (!name) throw new KernelError('validation_failed', 'Name the package to install.');
      return pipeline.install({
        source,
        name,
        ...(request.body.range ? { range: request.body.range } : {}),
        ...(request.body.approvePermissions ? { approvePermissions: request.body.approvePermissions } : {}),
        ...(request.body.approveDependencies
          ? { approveDependencies: request.body.approveDependencies }
          : {}),
      });
    },
  );

  app.post(
    '/api/extensions/:extensionId/update',
    {
      schema: {
        tags: TAGS,
        summary: 'Update to a version (range) or the latest; held for consent when it asks for more',
        params: Params,
        body: Type.Object(PackageFields, { additionalProperties: false }),
        response,
      },
    },
    async (request) => {
      const name = await manager.nameOf(request.params.extensionId);
      return pipeline.update({
        source: sourceOf(request.body),
        name,
        ...(request.body.range ? { range: request.body.range } : {}),
        ...(request.body.approvePermissions ? { approvePermissions: request.body.approvePermissions } : {}),
        ...(request.body.approveDependencies
          ? { approveDependencies: request.body.approveDependencies }
          : {}),
      });
    },
  );

  for (const [action, summary] of [
    ['archive', 'Archive: stop it, keep settings, grants and data (refused while dependents need it)'],
    ['restore', 'Restore an archived extension (enabled, verified again)'],
  ] as const) {
    app.post(
      `/api/extensions/:extensionId/${action}`,
      { schema: { tags: TAGS, summary, params: Params, response } },
      async (request) => pipeline[action](await manager.nameOf(request.params.extensionId)),
    );
  }

  app.post(
    '/api/extensions/:extensionId/uninstall',
    {
      schema: {
        tags: TAGS,
        summary: 'Remove the code; keep or delete the data (refused while dependents need it, naming them)',
        params: Params,
        body: Type.Object(
          { data: Type.Union([Type.Literal('keep'), Type.Literal('delete')]) },
          { additionalProperties: false },
        ),
        response,
      },
    },
    async (request) =>
      pipeline.uninstall(await manager.nameOf(request.params.extensionId), request.body.data),
  );

  app.post(
    '/api/extension-operations/:operationId/approve',
    {
      schema: {
        tags: TAGS,
        summary: 'Approve the permissions an install or update waits for; it then continues',
        params: OperationParams,
        body: Type.Object({ permissions: Permissions }, { additionalProperties: false }),
        response,
      },
    },
    async (request) => pipeline.approve(request.params.operationId, request.body.permissions),
  );

  app.get(
    '/api/extension-operations',
    {
      schema: {
        tags: TAGS,
        summary: 'The install journal: operations with their stages, newest first',
        querystring: Type.Object(
          {
            extension: Type.Optional(PackageName),
            status: Type.Optional(Status),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Array(Type.Ref('ExtensionOperation')) }),
      },
    },
    async (request) =>
      pipeline.listOperations({
        ...(request.query.extension ? { extension: request.query.extension } : {}),
        ...(request.query.status ? { status: request.query.status } : {}),
        limit: request.query.limit ?? 50,
      }),
  );

  app.get(
    '/api/extension-operations/:operationId',
    { schema: { tags: TAGS, summary: 'One operation with its stages', params: OperationParams, response } },
    async (request) => pipeline.getOperation(request.params.operationId),
  );
}
