import type { Extension, ExtensionOperation } from './extensionModel';

/** Test data: extensions and operations as the platform answers them. */

export const GITHUB_ID = '11111111-1111-4111-8111-111111111111';
export const BROKEN_ID = '22222222-2222-4222-8222-222222222222';

export function extensionFixture(overrides: Partial<Extension> = {}): Extension {
  return {
    id: GITHUB_ID,
    name: '@cinatra/github',
    version: '1.2.0',
    displayName: 'GitHub',
    publisher: 'cinatra',
    tier: 'first-party',
    signature: { status: 'verified', keyId: 'sha256:4f2a9c', publisher: 'cinatra', tier: 'first-party' },
    enabled: true,
    state: 'active',
    pid: 4242,
    lastError: null,
    requestedPermissions: ['secrets.read:github-token', 'network:api.github.com', 'storage'],
    grantedPermissions: ['secrets.read:github-token', 'network:api.github.com'],
    settings: { baseUrl: 'https://github.example.com/api' },
    settingsSchema: {
      type: 'object',
      properties: {
        baseUrl: {
          type: 'string',
          format: 'uri',
          description: 'API base URL',
          default: 'https://api.github.com',
        },
        tokenSecret: {
          type: 'string',
          description: 'Secret with the token',
          'x-cinatra-secret': true,
          default: 'github-token',
        },
        pageSize: { type: 'number', description: 'Items per page', default: 30 },
      },
      additionalProperties: false,
    },
    contributions: {
      mcpTools: [
        {
          name: 'search_issues',
          title: 'Search issues',
          description: 'Finds issues by query.',
          inputSchema: {
            type: 'object',
            properties: {
              query: { type: 'string', description: 'What to look for' },
              state: { type: 'string', enum: ['open', 'closed'] },
            },
            required: ['query'],
          },
        },
      ],
      llmProviders: [],
      skills: [{ id: 'triage', displayName: 'Issue triage', description: 'Sorts new issues.' }],
      connectors: [],
      renderers: [],
      dashboardWidgets: [],
    },
    activationEvents: ['onMcpTool:search_issues'],
    recentCrashes: 0,
    quarantinedAt: null,
    installedAt: '2026-01-02T10:00:00.000Z',
    updatedAt: '2026-01-03T10:00:00.000Z',
    ...overrides,
  };
}

export function brokenFixture(overrides: Partial<Extension> = {}): Extension {
  return extensionFixture({
    id: BROKEN_ID,
    name: '@acme/broken',
    displayName: 'Broken thing',
    publisher: 'acme',
    tier: 'community',
    signature: { status: 'failed', keyId: null, publisher: 'acme', tier: 'community' },
    state: 'failed',
    pid: null,
    lastError: {
      code: 'file_modified',
      message: 'dist/index.js does not match its signature.',
      path: 'dist/index.js',
      at: '2026-01-04T10:00:00.000Z',
    },
    requestedPermissions: [],
    grantedPermissions: [],
    settings: {},
    settingsSchema: { type: 'object', properties: {}, additionalProperties: false },
    contributions: {
      mcpTools: [],
      llmProviders: [],
      skills: [],
      connectors: [],
      renderers: [],
      dashboardWidgets: [],
    },
    activationEvents: [],
    ...overrides,
  });
}

export function operationFixture(overrides: Partial<ExtensionOperation> = {}): ExtensionOperation {
  return {
    id: '33333333-3333-4333-8333-333333333333',
    kind: 'update',
    extension: '@cinatra/github',
    fromVersion: '1.2.0',
    toVersion: '1.3.0',
    stage: 'commit',
    status: 'succeeded',
    error: null,
    requestedPermissions: [],
    addedPermissions: [],
    source: 'registry',
    actorId: null,
    createdAt: '2026-01-05T10:00:00.000Z',
    updatedAt: '2026-01-05T10:00:00.000Z',
    finishedAt: '2026-01-05T10:00:01.000Z',
    stages: [],
    ...overrides,
  };
}
