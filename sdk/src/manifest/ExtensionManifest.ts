import { Type, type Static, type TSchema } from 'typebox';

/**
 * The `cinatra` block of an extension's `package.json`, plus the package's own `name` and
 * `version`. Everything here is static: the platform lists, renders and authorizes an
 * extension's contributions without starting it. `extension-manifest.schema.json` (in
 * `sdk/schema/`) is generated from this schema and published with the SDK.
 */

/** Version of the manifest format itself. */
export const MANIFEST_API_VERSION = 1;

/** Version of the host API extensions are built against; `engine` ranges are matched against it. */
export const HOST_API_VERSION = '1.0.0';

/** Ids of contributions (connectors, providers…), publishers and affinity groups. */
export const IDENTIFIER_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,63}$';

const Identifier = (description: string) => Type.String({ pattern: IDENTIFIER_PATTERN, description });

const Description = Type.String({ minLength: 1, maxLength: 2000 });
const DisplayName = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });

/** A JSON Schema object (validated as a schema when the tool is registered, not here). */
const JsonSchemaObject = Type.Object(
  { type: Type.Literal('object') },
  { additionalProperties: true, description: 'A JSON Schema whose top-level type is "object"' },
);

/**
 * Marks a property of a connector's `setupSchema` whose value is the name of a kernel secret
 * (read with `secrets.read:<name>`), never the secret itself: credentials are kept in the
 * kernel's secret store, not in setup values.
 */
export const SECRET_REFERENCE_KEYWORD = 'x-cinatra-secret';

export const EXTENSION_KINDS = [
  'mcp-tools',
  'llm-provider',
  'connector',
  'renderer',
  'dashboard-widget',
  'skill',
  'agent',
] as const;
export type ExtensionKind = (typeof EXTENSION_KINDS)[number];

const McpToolContribution = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-zA-Z0-9_-]{1,64}$',
      description: 'Tool name, unique in the extension',
    }),
    title: Type.Optional(DisplayName),
    description: Description,
    inputSchema: JsonSchemaObject,
    outputSchema: Type.Optional(JsonSchemaObject),
    annotations: Type.Optional(
      Type.Object(
        {
          readOnlyHint: Type.Optional(Type.Boolean()),
          destructiveHint: Type.Optional(Type.Boolean()),
          idempotentHint: Type.Optional(Type.Boolean()),
          openWorldHint: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

// Generic in its extra fields, so the static type carries them (a renderer's mimeTypes…).
const IdContribution = <Extra extends Record<string, TSchema> = Record<never, TSchema>>(
  extra: Extra = {} as Extra,
) =>
  Type.Object(
    {
      id: Identifier('Unique in the extension'),
      displayName: DisplayName,
      description: Type.Optional(Description),
      ...extra,
    },
    { additionalProperties: false },
  );

/**
 * A connector. `setupSchema` is what a platform admin fills in to set it up, rendered by the
 * admin UI as a form (no extension code runs there); the values reach the running extension as
 * `host.connectors[id]`. Credentials are never setup values: a property marked
 * `x-cinatra-secret: true` takes the name of a kernel secret, which the extension reads with
 * `secrets.read:<name>` (as settings with `secret: true`).
 */
const ConnectorContribution = Type.Object(
  {
    id: Identifier('Unique in the extension'),
    displayName: DisplayName,
    description: Type.Optional(Description),
    setupSchema: Type.Optional(
      Type.Object(
        { type: Type.Literal('object') },
        {
          additionalProperties: true,
          description: `JSON Schema (top-level type "object") of the connector's setup values; a property marked "${SECRET_REFERENCE_KEYWORD}": true takes the name of a kernel secret, never a credential`,
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConnectorContribution = Static<typeof ConnectorContribution>;

export const ContributesSchema = Type.Object(
  {
    mcpTools: Type.Optional(Type.Array(McpToolContribution, { maxItems: 200 })),
    llmProviders: Type.Optional(
      Type.Array(IdContribution({ models: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) }), {
        maxItems: 50,
      }),
    ),
    connectors: Type.Optional(Type.Array(ConnectorContribution, { maxItems: 50 })),
    renderers: Type.Optional(
      Type.Array(IdContribution({ mimeTypes: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }) }), {
        maxItems: 50,
      }),
    ),
    dashboardWidgets: Type.Optional(Type.Array(IdContribution(), { maxItems: 50 })),
    skills: Type.Optional(
      Type.Array(IdContribution({ path: Type.String({ minLength: 1 }) }), { maxItems: 200 }),
    ),
    agents: Type.Optional(
      Type.Array(
        Type.Object(
          { path: Type.String({ pattern: '^agents/[a-z0-9-]+/[a-z0-9-]+/cinatra/oas\\.json$' }) },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Contributes = Static<typeof ContributesSchema>;

/**
 * `<capability>` or `<capability>:<qualifier>`, e.g. `secrets.read:github-token`,
 * `queue.enqueue:github-sync`, `llm.invoke`, `network:api.github.com`, `storage`.
 * A network qualifier may name a setting, `network:${settings.baseUrl}`: the host of that
 * setting's value (so an operator pointing the extension elsewhere grants that host).
 */
export const PERMISSION_PATTERN =
  '^(secrets\\.read|queue\\.enqueue|llm\\.invoke|notifications\\.send|storage|network)(:[A-Za-z0-9_.*${}-]{1,253}(:[0-9]{1,5})?)?$';

const SettingSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean')]),
    description: Description,
    default: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    format: Type.Optional(Type.Literal('uri')),
    secret: Type.Optional(
      Type.Boolean({
        description: 'The value names a kernel secret (read with secrets.read), never the value itself',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ResourcesSchema = Type.Object(
  {
    memoryMb: Type.Optional(Type.Integer({ minimum: 32, maximum: 4096, default: 128 })),
    callTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, default: 8 })),
  },
  { additionalProperties: false },
);
export type Resources = Required<Static<typeof ResourcesSchema>>;
export const DEFAULT_RESOURCES: Resources = { memoryMb: 128, callTimeoutMs: 30_000, concurrency: 8 };

export const CinatraBlockSchema = Type.Object(
  {
    apiVersion: Type.Literal(MANIFEST_API_VERSION),
    kinds: Type.Array(Type.Union(EXTENSION_KINDS.map((kind) => Type.Literal(kind))), {
      minItems: 1,
      uniqueItems: true,
    }),
    displayName: DisplayName,
    publisher: Identifier('Publisher id; its signing key must be in the instance trust store'),
    engine: Type.String({
      minLength: 1,
      maxLength: 100,
      description: `semver range of host API versions this extension works with (the host is ${HOST_API_VERSION})`,
    }),
    entry: Type.String({
      pattern: '^(?!/)(?!.*\\.\\.)[A-Za-z0-9_./-]+\\.(m?js)$',
      description: 'Path of the ES module to start, relative to the package root',
    }),
    contributes: ContributesSchema,
    activationEvents: Type.Optional(
      Type.Array(
        Type.String({
          pattern:
            '^(onStartup|onMcpTool:[a-zA-Z0-9_-]+|onLlmProvider:[a-z0-9_.-]+|onConnector:[a-z0-9_.-]+|onRenderer:[a-z0-9_.-]+|onDashboardWidget:[a-z0-9_.-]+)$',
        }),
        { uniqueItems: true },
      ),
    ),
    permissions: Type.Optional(
      Type.Array(Type.String({ pattern: PERMISSION_PATTERN }), { uniqueItems: true, maxItems: 100 }),
    ),
    settings: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]{0,63}$' }), SettingSchema),
    ),
    resources: Type.Optional(ResourcesSchema),
    /** Other extensions this one needs, by package name and semver range. */
    extensionDependencies: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 })),
    ),
    /** Trusted first-party extensions may share a process with others of the same group. */
    affinityGroup: Type.Optional(Identifier('Process group for trusted first-party extensions')),
  },
  { additionalProperties: false },
);

export const ExtensionPackageSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*$',
      maxLength: 214,
      description: 'npm package name',
    }),
    version: Type.String({
      pattern:
        '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$',
      description: 'semver version',
    }),
    cinatra: CinatraBlockSchema,
  },
  {
    additionalProperties: true,
    $id: 'https://cinatra.dev/schemas/extension-manifest.json',
    title: 'Cinatra extension package.json',
  },
);

export type CinatraBlock = Static<typeof CinatraBlockSchema>;
/** A validated extension manifest: the package's name and version plus its `cinatra` block. */
export interface ExtensionManifest {
  name: string;
  version: string;
  cinatra: CinatraBlock;
}
