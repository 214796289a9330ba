import { Type, type Static, type TObject } from 'typebox';
import {
  CLASSIFICATION_REGISTRY,
  KernelError,
  PRIMITIVE_REGISTRY,
  WORKSPACE,
  type Kernel,
  type PrimitiveDefinition,
} from '@cinatra/kernel';
import {
  REGISTRY_CLASSIFICATIONS,
  REGISTRY_DESTINATION,
  REGISTRY_PACKAGE,
  REGISTRY_SERVICE,
} from '@cinatra/registry';
import { PERMISSION_PATTERN } from '@cinatra/sdk';
import { OperationView } from '../server/routes/extensionInstall.js';
import { ExtensionView } from '../server/routes/extensions.js';
import { CatalogueEntryView, DestinationView, PromotionView } from '../server/routes/registries.js';
import { EXTENSION_MANAGER } from './ExtensionManager.js';
import { GITHUB_INSTALLER } from './install/GitHubInstaller.js';
import { INSTALL_PIPELINE } from './install/InstallPipeline.js';
import { embeddedRegistrySource } from './install/PackageSource.js';
import { PACKAGE_NAME_PATTERN, VERSION_PATTERN } from './trust/TrustStore.js';

// The views are the HTTP API's own schemas, inlined (without their `$id`) so every
// primitive schema is self-contained, as MCP clients need.
const Operation = Type.Object(OperationView.properties);
const Extension = Type.Object(ExtensionView.properties);
const Package = Type.Object(CatalogueEntryView.properties);
const Promotion = Type.Object(PromotionView.properties);
const Destination = Type.Union([Type.Object(DestinationView.properties), Type.Null()], {
  description: 'The public registry this instance promotes to; null when none is configured',
});

const PackageName = Type.String({
  pattern: PACKAGE_NAME_PATTERN,
  maxLength: 214,
  description: 'npm package name, e.g. @acme/crm-connector',
});
const Version = Type.String({ pattern: VERSION_PATTERN, maxLength: 100, description: 'An exact version' });
const Range = Type.String({
  minLength: 1,
  maxLength: 256,
  description: 'semver range, exact version or latest (the default)',
});
const Permissions = Type.Array(Type.String({ pattern: PERMISSION_PATTERN }), {
  maxItems: 100,
  description:
    'The permissions to approve; must equal what the version requests. Left out, an install that requests permissions (or an update that requests more) is held as pending_consent with them listed: call extensions.approve.',
});
const ApproveDependencies = Type.Record(PackageName, Permissions, {
  description: 'Approvals for extension dependencies installed first, by package name',
});
const Uuid = Type.String({ format: 'uuid' });
const Strict = { additionalProperties: false } as const;

const inputOf = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, Strict);
const Packages = Type.Object({ packages: Type.Array(Package) });
const PublicDestination = Type.Object({ public: Destination });

/**
 * A definition whose handler input is typed by its TypeBox input schema. The output is checked
 * against the output schema by the registry at every call (some view schemas, unions built
 * from lists, have no precise static type).
 */
type Primitive<I extends TObject> = Omit<PrimitiveDefinition<Static<I>>, 'inputSchema'> & { inputSchema: I };

function primitive<I extends TObject>(definition: Primitive<I>): PrimitiveDefinition<Static<I>> {
  return {
    ...definition,
    // The services name offending fields as the HTTP API sends them (`/body/url`); a
    // primitive's caller sent `input`.
    handler: async (input, context) => {
      try {
        return await definition.handler(input, context);
      } catch (error) {
        throw asInputError(error);
      }
    },
  };
}

function asInputError(error: unknown): unknown {
  if (!(error instanceof KernelError) || error.code !== 'validation_failed' || !error.details.errors)
    return error;
  const rename = (path: string) => path.replace(/^\/(body|params|querystring)(?=\/|$)/, '/input');
  return new KernelError(
    'validation_failed',
    error.details.errors.reduce((message, e) => message.replaceAll(e.path, rename(e.path)), error.message),
    { ...error.details, errors: error.details.errors.map((e) => ({ ...e, path: rename(e.path) })) },
  );
}

const extensionNamed = (input: { name: string }) => ({ type: 'extension', id: input.name, owner: WORKSPACE });

/**
 * The marketplace and the extension lifecycle as kernel primitives (for MCP, `/api/primitives`
 * and in-process callers): thin wrappers over `RegistryService`, `ExtensionManager`,
 * `InstallPipeline` and `GitHubInstaller`, which still authorize and audit each action
 * themselves. Each primitive is classified as the action its service checks, so `listFor`
 * shows a caller exactly the ones the service would let through. Extensions are named by
 * package name here (the HTTP routes use ids).
 */
export function marketplacePrimitives(kernel: Kernel): Array<PrimitiveDefinition<never, unknown>> {
  const registry = () => kernel.resolve(REGISTRY_SERVICE);
  const manager = () => kernel.resolve(EXTENSION_MANAGER);
  const pipeline = () => kernel.resolve(INSTALL_PIPELINE);
  const registrySource = () =>
    embeddedRegistrySource(kernel, 'install from GitHub (input.github) or upload through the HTTP API.');

  const approvals = (input: {
    approvePermissions?: string[];
    approveDependencies?: Record<string, string[]>;
  }) => ({
    ...(input.approvePermissions ? { approvePermissions: input.approvePermissions } : {}),
    ...(input.approveDependencies ? { approveDependencies: input.approveDependencies } : {}),
  });

  const definitions = [
    primitive({
      name: 'marketplace.search',
      title: 'Search the marketplace',
      description:
        'Search packages in the instance registry (private to this instance) and the configured public registry, with versions, publisher, tier, signature status and requested permissions.',
      inputSchema: inputOf({
        query: Type.String({ minLength: 1, maxLength: 200, description: 'npm search text' }),
      }),
      outputSchema: Packages,
      classification: { resourceType: REGISTRY_PACKAGE, action: 'list' },
      annotations: { readOnlyHint: true, openWorldHint: true },
      handler: async ({ query }) => ({ packages: await registry().search(query) }),
    }),
    primitive({
      name: 'marketplace.list',
      title: 'List the marketplace',
      description: 'Every package of the instance registry and the configured public registry.',
      inputSchema: inputOf({}),
      outputSchema: Packages,
      classification: { resourceType: REGISTRY_PACKAGE, action: 'list' },
      annotations: { readOnlyHint: true, openWorldHint: true },
      handler: async () => ({ packages: await registry().list() }),
    }),
    primitive({
      name: 'marketplace.get',
      title: 'Get a marketplace package',
      description:
        'One package as each registry that has it lists it (instance first): versions, publisher, tier, signature status, requested permissions, promoted versions.',
      inputSchema: inputOf({ name: PackageName }),
      outputSchema: Packages,
      classification: { resourceType: REGISTRY_PACKAGE, action: 'list' },
      resource: (input) => ({ type: REGISTRY_PACKAGE, id: input.name, owner: WORKSPACE }),
      annotations: { readOnlyHint: true, openWorldHint: true },
      handler: async ({ name }) => ({ packages: await registry().get(name) }),
    }),
    primitive({
      name: 'marketplace.promote',
      title: 'Promote a package version to the public registry',
      description:
        'Publishes the exact bytes and signature of a private package version to the public registry. One-way: it cannot be made private again.',
      inputSchema: inputOf({ name: PackageName, version: Version }),
      outputSchema: Promotion,
      classification: { resourceType: REGISTRY_PACKAGE, action: 'promote' },
      resource: (input) => ({
        type: REGISTRY_PACKAGE,
        id: `${input.name}@${input.version}`,
        owner: WORKSPACE,
      }),
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: true },
      handler: ({ name, version }) => registry().promote(name, version),
    }),
    primitive({
      name: 'marketplace.destination.get',
      title: 'Read the publish destination',
      description: 'The public registry this instance promotes to and reads public packages from.',
      inputSchema: inputOf({}),
      outputSchema: PublicDestination,
      classification: { resourceType: REGISTRY_DESTINATION, action: 'read' },
      annotations: { readOnlyHint: true },
      handler: async () => ({ public: await registry().destination() }),
    }),
    primitive({
      name: 'marketplace.destination.set',
      title: 'Set the publish destination',
      description:
        'Points the instance at a public npm registry (URL, and a workspace secret holding its token), or clears it with url null. Promotions already made stay public.',
      inputSchema: inputOf({
        url: Type.Union([Type.String({ pattern: '^https?://', maxLength: 2000 }), Type.Null()]),
        tokenSecretId: Type.Optional(Type.Union([Uuid, Type.Null()])),
      }),
      outputSchema: PublicDestination,
      classification: { resourceType: REGISTRY_DESTINATION, action: 'configure' },
      resource: () => ({ type: REGISTRY_DESTINATION, id: 'public', owner: WORKSPACE }),
      annotations: { destructiveHint: true, idempotentHint: true },
      handler: async ({ url, tokenSecretId }) => {
        if (url === null) {
          await registry().clearDestination();
          return { public: null };
        }
        return { public: await registry().setDestination({ url, tokenSecretId: tokenSecretId ?? null }) };
      },
    }),
    primitive({
      name: 'extensions.list',
      title: 'List installed extensions',
      description:
        'Installed extensions with version, state, requested and granted permissions and contributions.',
      inputSchema: inputOf({ name: Type.Optional(PackageName) }),
      outputSchema: Type.Object({ extensions: Type.Array(Extension) }),
      classification: { resourceType: 'extension', action: 'list' },
      annotations: { readOnlyHint: true },
      handler: async ({ name }) => ({ extensions: await manager().list(name === undefined ? {} : { name }) }),
    }),
    primitive({
      name: 'extensions.get',
      title: 'Get an installed extension',
      description: 'One installed extension by package name.',
      inputSchema: inputOf({ name: PackageName }),
      outputSchema: Extension,
      classification: { resourceType: 'extension', action: 'read' },
      resource: extensionNamed,
      annotations: { readOnlyHint: true },
      handler: ({ name }) => manager().get(name),
    }),
    primitive({
      name: 'extensions.install',
      title: 'Install an extension',
      description:
        'Installs a signed extension from the instance registry (name and optional range) or from a GitHub release (github.url and optional tag), through the journaled pipeline: resolve, fetch, verify, unpack, check, consent, persist, activate. Answers with the operation: succeeded, or pending_consent listing the permissions to approve.',
      inputSchema: Type.Object(
        {
          name: Type.Optional(PackageName),
          range: Type.Optional(Range),
          github: Type.Optional(
            Type.Object(
              {
                url: Type.String({
                  pattern: '^https?://[^\\s/]+/[^\\s]+$',
                  maxLength: 500,
                  description: 'https://github.com/<owner>/<repo>',
                }),
                tag: Type.Optional(
                  Type.String({
                    minLength: 1,
                    maxLength: 200,
                    description: 'Release tag; the latest release when left out',
                  }),
                ),
                tokenSecretId: Type.Optional(Uuid),
              },
              Strict,
            ),
          ),
          approvePermissions: Type.Optional(Permissions),
          approveDependencies: Type.Optional(ApproveDependencies),
        },
        {
          ...Strict,
          description: 'Exactly one of name (instance registry) or github (a release)',
          oneOf: [{ required: ['name'] }, { required: ['github'] }],
        },
      ),
      outputSchema: Operation,
      classification: { resourceType: 'extension', action: 'install' },
      annotations: { destructiveHint: false, idempotentHint: false, openWorldHint: true },
      handler: ({ name, range, github, ...rest }) => {
        if (github) {
          if (range !== undefined)
            throw invalidInput('/input/range', 'applies to name; a GitHub release is named by tag');
          return kernel.resolve(GITHUB_INSTALLER).install({
            url: github.url,
            ...(github.tag ? { tag: github.tag } : {}),
            ...(github.tokenSecretId ? { tokenSecretId: github.tokenSecretId } : {}),
            ...approvals(rest),
          });
        }
        return pipeline().install({
          source: registrySource(),
          name: name!,
          ...(range ? { range } : {}),
          ...approvals(rest),
        });
      },
    }),
    primitive({
      name: 'extensions.update',
      title: 'Update an extension',
      description:
        'Updates an installed extension to a version (range) or the latest in the instance registry. An update that requests more permissions is held as pending_consent; the old version keeps running meanwhile, and a failing update rolls back to it.',
      inputSchema: inputOf({
        name: PackageName,
        range: Type.Optional(Range),
        approvePermissions: Type.Optional(Permissions),
        approveDependencies: Type.Optional(ApproveDependencies),
      }),
      outputSchema: Operation,
      classification: { resourceType: 'extension', action: 'update' },
      resource: extensionNamed,
      annotations: { destructiveHint: true, idempotentHint: false, openWorldHint: true },
      handler: ({ name, range, ...rest }) =>
        pipeline().update({
          source: registrySource(),
          name,
          ...(range ? { range } : {}),
          ...approvals(rest),
        }),
    }),
    primitive({
      name: 'extensions.archive',
      title: 'Archive an extension',
      description:
        'Stops an extension and keeps its settings, grants and data (restore brings it back). Refused while enabled extensions depend on it.',
      inputSchema: inputOf({ name: PackageName }),
      outputSchema: Operation,
      classification: { resourceType: 'extension', action: 'archive' },
      resource: extensionNamed,
      annotations: { destructiveHint: false, idempotentHint: false },
      handler: ({ name }) => pipeline().archive(name),
    }),
    primitive({
      name: 'extensions.restore',
      title: 'Restore an archived extension',
      description:
        'Brings an archived extension back, enabled; its package is verified again before it runs.',
      inputSchema: inputOf({ name: PackageName }),
      outputSchema: Operation,
      classification: { resourceType: 'extension', action: 'restore' },
      resource: extensionNamed,
      annotations: { destructiveHint: false, idempotentHint: false },
      handler: ({ name }) => pipeline().restore(name),
    }),
    primitive({
      name: 'extensions.uninstall',
      title: 'Uninstall an extension',
      description:
        "Removes an extension's code, grants and settings; deleteData says whether its data directory goes too. Refused while installed extensions depend on it, naming them.",
      inputSchema: inputOf({
        name: PackageName,
        deleteData: Type.Boolean({
          description: "true: delete the extension's data directory; false: keep it",
        }),
      }),
      outputSchema: Operation,
      classification: { resourceType: 'extension', action: 'uninstall' },
      resource: extensionNamed,
      annotations: { destructiveHint: true, idempotentHint: false },
      handler: ({ name, deleteData }) => pipeline().uninstall(name, deleteData ? 'delete' : 'keep'),
    }),
    primitive({
      name: 'extensions.approve',
      title: 'Approve held permissions',
      description:
        'Approves the permissions an install or update held as pending_consent requests (exactly that set); the operation then continues.',
      inputSchema: inputOf({ operationId: Uuid, permissions: Permissions }),
      outputSchema: Operation,
      classification: { resourceType: 'extension', action: 'approve' },
      annotations: { destructiveHint: false, idempotentHint: false },
      handler: ({ operationId, permissions }) => pipeline().approve(operationId, permissions),
    }),
  ];
  return definitions as Array<PrimitiveDefinition<never, unknown>>;
}

function invalidInput(path: string, message: string): KernelError {
  return new KernelError('validation_failed', `${path} ${message}.`, { errors: [{ path, message }] });
}

/**
 * Registers the marketplace primitives in the kernel's `PRIMITIVE_REGISTRY` (the platform, at
 * start). The registry's classifications are registered first: the embedded registry adds
 * them too, but only once something resolves it.
 */
export function registerMarketplacePrimitives(kernel: Kernel): void {
  kernel.resolve(CLASSIFICATION_REGISTRY).register(...REGISTRY_CLASSIFICATIONS);
  const primitives = kernel.resolve(PRIMITIVE_REGISTRY);
  for (const definition of marketplacePrimitives(kernel)) primitives.register(definition);
}
