import { Type, type TSchema } from 'typebox';
import type { Kernel } from '@cinatra/kernel';
import { IDENTIFIER_PATTERN, PERMISSION_PATTERN, TRUST_TIERS } from '@cinatra/sdk';
import { EXTENSION_MANAGER } from '../../extensions/ExtensionManager.js';
import type { CinatraServer } from '../createServer.js';
import { DateTime, Uuid, withProblems } from '../schemas.js';

const ExtensionState = Type.Union(
  ['installed', 'active', 'inactive', 'disabled', 'quarantined', 'failed', 'archived'].map((s) =>
    Type.Literal(s),
  ),
);
const SettingValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const TrustTier = Type.Union(TRUST_TIERS.map((tier) => Type.Literal(tier)));

const Signature = Type.Object(
  {
    status: Type.Union([Type.Literal('verified'), Type.Literal('failed'), Type.Literal('unknown')], {
      description:
        'verified: signed by a key the trust store trusts, no load failed verification since; failed: the last load failed verification, or the key or version is revoked or the key unknown (the next load is refused); unknown: no readable signature bundle',
    }),
    keyId: Nullable(Type.String({ description: 'sha256:<hex> of the signing key' })),
    publisher: Nullable(Type.String({ description: "The key's publisher in the trust store" })),
    tier: Nullable(TrustTier),
  },
  { description: 'Who signed the installed version; read without starting it (every load verifies)' },
);

const SettingsSchema = Type.Object(
  {
    type: Type.Literal('object'),
    properties: Type.Record(
      Type.String(),
      Type.Object({
        type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean')]),
        description: Type.String(),
        default: Type.Optional(SettingValue),
        format: Type.Optional(Type.Literal('uri')),
        'x-cinatra-secret': Type.Optional(
          Type.Literal(true, { description: 'The value is the name of a kernel secret, not the secret' }),
        ),
      }),
    ),
    additionalProperties: Type.Literal(false),
  },
  { description: "JSON Schema of the manifest's settings (PUT …/settings takes values for these keys)" },
);

const IdContribution = {
  id: Type.String(),
  displayName: Type.String(),
  description: Type.Optional(Type.String()),
};

const Connector = Type.Object({
  ...IdContribution,
  setupSchema: Nullable(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'JSON Schema (top-level type "object") of its setup values, rendered as a form; null: nothing to set up. A property with "x-cinatra-secret": true takes the name of a kernel secret',
      },
    ),
  ),
  setup: Nullable(
    Type.Object(
      {},
      {
        additionalProperties: true,
        description:
          'The values it was set up with (PUT …/connectors/{connectorId}/setup); null: never set up',
      },
    ),
  ),
});

export const ExtensionLogView = Type.Object(
  {
    lines: Type.Array(
      Type.Object({
        at: DateTime,
        level: Type.Union(['debug', 'info', 'warn', 'error'].map((level) => Type.Literal(level))),
        message: Type.String(),
      }),
      { description: 'Oldest first; at most the last 200' },
    ),
  },
  { $id: 'ExtensionLogs', title: 'ExtensionLogs' },
);

export const ExtensionView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String({ description: 'npm package name, e.g. @cinatra/github' }),
    version: Type.String(),
    displayName: Type.String(),
    publisher: Type.Union([Type.String(), Type.Null()]),
    tier: Nullable(TrustTier),
    signature: Signature,
    enabled: Type.Boolean(),
    state: ExtensionState,
    pid: Type.Union([Type.Integer(), Type.Null()], { description: 'Process id while it runs' }),
    lastError: Type.Union([
      Type.Object({
        code: Type.String({ description: 'e.g. file_modified, unknown_key, manifest_invalid, memory_limit' }),
        message: Type.String(),
        path: Type.Union([Type.String(), Type.Null()]),
        at: DateTime,
      }),
      Type.Null(),
    ]),
    requestedPermissions: Type.Array(Type.String(), { description: 'What the manifest asks for' }),
    grantedPermissions: Type.Array(Type.String(), { description: 'What a platform admin approved' }),
    settings: Type.Record(Type.String(), SettingValue),
    settingsSchema: SettingsSchema,
    contributions: Type.Object({
      mcpTools: Type.Array(
        Type.Object({
          name: Type.String(),
          title: Type.Optional(Type.String()),
          description: Type.String(),
          inputSchema: Type.Object({}, { additionalProperties: true }),
        }),
      ),
      llmProviders: Type.Array(
        Type.Object({
          id: Type.String({ description: 'Provider id the orchestrator selects, e.g. openai' }),
          displayName: Type.String(),
          description: Type.Optional(Type.String()),
          models: Type.Array(Type.String(), { description: 'Declared model ids; empty: any' }),
        }),
      ),
      skills: Type.Array(
        Type.Object({
          id: Type.String({ description: 'Skill name in the catalogue' }),
          displayName: Type.String(),
          description: Type.Optional(Type.String()),
        }),
      ),
      connectors: Type.Array(Connector),
      renderers: Type.Array(
        Type.Object({
          ...IdContribution,
          mimeTypes: Type.Array(Type.String(), { description: 'Media types the renderer shows' }),
        }),
      ),
      dashboardWidgets: Type.Array(Type.Object(IdContribution)),
    }),
    activationEvents: Type.Array(Type.String()),
    recentCrashes: Type.Integer({ description: 'Crashes in the last 5 minutes (3 quarantine it)' }),
    quarantinedAt: Type.Union([DateTime, Type.Null()]),
    installedAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Extension', title: 'Extension' },
);

const Params = Type.Object({ extensionId: Uuid });
const TAGS = ['extensions'];
const response = withProblems({ 200: Type.Ref('Extension') });

/**
 * Installed extensions, for platform admins (the manager authorizes every call). Extensions
 * are addressed by their row id: package names contain `@` and `/`, which would need
 * encoding in a path; `GET /api/extensions?name=@cinatra/github` finds the id by name.
 */
export function extensionRoutes(app: CinatraServer, kernel: Kernel): void {
  const manager = kernel.resolve(EXTENSION_MANAGER);
  app.addSchema(ExtensionView);
  app.addSchema(ExtensionLogView);
  const byId = async (id: string) => manager.nameOf(id);

  app.get(
    '/api/extensions',
    {
      schema: {
        tags: TAGS,
        summary: 'Installed extensions with their state, permissions and contributions',
        querystring: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 214, description: 'Package name' })) },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Array(Type.Ref('Extension')) }),
      },
    },
    async (request) => manager.list({ name: request.query.name }),
  );

  app.get(
    '/api/extensions/:extensionId',
    {
      schema: {
        tags: TAGS,
        summary: 'One extension: state, last error, requested vs granted permissions, contributions',
        params: Params,
        response,
      },
    },
    async (request) => manager.get(await byId(request.params.extensionId)),
  );

  app.get(
    '/api/extensions/:extensionId/logs',
    {
      schema: {
        tags: TAGS,
        summary:
          "The extension's last 200 log lines: its own logs, stdout (info), stderr (warn), refused egress, crashes",
        params: Params,
        response: withProblems({ 200: Type.Ref('ExtensionLogs') }),
      },
    },
    async (request) => ({ lines: await manager.logs(await byId(request.params.extensionId)) }),
  );

  for (const [action, summary] of [
    ['enable', 'Enable (verifies the package now; starts on first use or at startup)'],
    ['disable', 'Disable: stops its process and hides its contributions'],
    ['reload', 'Stop its process; it is verified again and restarted on next use'],
  ] as const) {
    app.post(
      `/api/extensions/:extensionId/${action}`,
      { schema: { tags: TAGS, summary, params: Params, response } },
      async (request) => manager[action](await byId(request.params.extensionId)),
    );
  }

  app.put(
    '/api/extensions/:extensionId/grants',
    {
      schema: {
        tags: TAGS,
        summary: 'Set the granted permissions (a subset of those the manifest requests)',
        params: Params,
        body: Type.Object(
          {
            permissions: Type.Array(Type.String({ pattern: PERMISSION_PATTERN }), {
              maxItems: 100,
              description: 'e.g. secrets.read:github-token, network:api.github.com',
            }),
          },
          { additionalProperties: false },
        ),
        response,
      },
    },
    async (request) => manager.setGrants(await byId(request.params.extensionId), request.body.permissions),
  );

  app.put(
    '/api/extensions/:extensionId/settings',
    {
      schema: {
        tags: TAGS,
        summary: 'Set settings values (null resets one to its default); restarts it on next use',
        params: Params,
        body: Type.Object(
          {
            values: Type.Record(
              Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9]{0,63}$' }),
              Type.Union([SettingValue, Type.Null()]),
            ),
          },
          { additionalProperties: false },
        ),
        response,
      },
    },
    async (request) => manager.setSettings(await byId(request.params.extensionId), request.body.values),
  );

  app.put(
    '/api/extensions/:extensionId/connectors/:connectorId/setup',
    {
      schema: {
        tags: TAGS,
        summary:
          'Set a connector up: values checked against its setupSchema (every failing field named); restarts the extension on next use',
        params: Type.Object({
          extensionId: Uuid,
          connectorId: Type.String({
            pattern: IDENTIFIER_PATTERN,
            description: 'A connector id of its manifest',
          }),
        }),
        body: Type.Object(
          {
            values: Type.Record(Type.String(), Type.Unknown(), {
              description:
                'Replaces the stored values; a secret field takes the name of a kernel secret, never the secret',
            }),
          },
          { additionalProperties: false },
        ),
        response,
      },
    },
    async (request) =>
      manager.setConnectorSetup(
        await byId(request.params.extensionId),
        request.params.connectorId,
        request.body.values,
      ),
  );

  app.post(
    '/api/extensions/:extensionId/quarantine/reset',
    {
      schema: { tags: TAGS, summary: 'Let a quarantined extension run again', params: Params, response },
    },
    async (request) => manager.resetQuarantine(await byId(request.params.extensionId)),
  );
}
