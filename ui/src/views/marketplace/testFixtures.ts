import type { CatalogueEntry, Extension, GitHubRelease, Operation, Promotion } from './installFlow';

/** Test data shaped like the platform's answers (marketplace tests only). */

export const EXTENSION_ID = '11111111-1111-4111-8111-111111111111';
export const OPERATION_ID = '22222222-2222-4222-8222-222222222222';

export function catalogueEntry(overrides: Partial<CatalogueEntry> = {}): CatalogueEntry {
  return {
    name: '@acme/tools',
    source: 'instance',
    visibility: 'private',
    description: 'Tools for the Acme API',
    displayName: 'Acme tools',
    kinds: ['tools'],
    latest: '1.2.0',
    versions: ['1.0.0', '1.1.0', '1.2.0'],
    publisher: 'acme',
    tier: 'partner',
    signature: { status: 'verified', keyId: 'sha256:abc123', detail: null },
    permissions: ['secrets.read:acme-token', 'network:api.acme.com'],
    promotedVersions: [],
    ...overrides,
  };
}

export function extension(overrides: Partial<Extension> = {}): Extension {
  // Cast: the extension view keeps growing; the marketplace reads name, id, version, state and permissions.
  return {
    id: EXTENSION_ID,
    name: '@acme/tools',
    displayName: 'Acme tools',
    version: '1.2.0',
    publisher: 'acme',
    state: 'inactive',
    enabled: true,
    activationEvents: [],
    contributions: {
      connectors: [],
      dashboardWidgets: [],
      llmProviders: [],
      mcpTools: [],
      renderers: [],
      skills: [],
    },
    settingsSchema: { type: 'object', additionalProperties: false, properties: {} },
    grantedPermissions: ['secrets.read:acme-token', 'network:api.acme.com'],
    requestedPermissions: ['secrets.read:acme-token', 'network:api.acme.com'],
    installedAt: '2026-01-02T10:00:00.000Z',
    updatedAt: '2026-01-02T10:00:00.000Z',
    lastError: null,
    pid: null,
    quarantinedAt: null,
    recentCrashes: 0,
    settings: {},
    ...overrides,
  } as Extension;
}

const STAGE_TIME = '2026-01-03T09:00:00.000Z';

export function operation(overrides: Partial<Operation> = {}): Operation {
  return {
    id: OPERATION_ID,
    kind: 'install',
    extension: '@acme/tools',
    fromVersion: null,
    toVersion: '1.2.0',
    stage: 'cleanup',
    status: 'succeeded',
    error: null,
    requestedPermissions: ['secrets.read:acme-token', 'network:api.acme.com'],
    addedPermissions: ['secrets.read:acme-token', 'network:api.acme.com'],
    source: 'registry http://127.0.0.1:4873/',
    actorId: '00000000-0000-4000-8000-000000000001',
    createdAt: STAGE_TIME,
    updatedAt: STAGE_TIME,
    finishedAt: STAGE_TIME,
    stages: [
      { stage: 'resolve', status: 'succeeded', error: null, startedAt: STAGE_TIME, finishedAt: STAGE_TIME },
      { stage: 'verify', status: 'succeeded', error: null, startedAt: STAGE_TIME, finishedAt: STAGE_TIME },
      { stage: 'consent', status: 'succeeded', error: null, startedAt: STAGE_TIME, finishedAt: STAGE_TIME },
    ],
    ...overrides,
  };
}

/** An operation held at `consent`. */
export function heldOperation(overrides: Partial<Operation> = {}): Operation {
  return operation({ stage: 'consent', status: 'pending_consent', finishedAt: null, ...overrides });
}

export function release(overrides: Partial<GitHubRelease> = {}): GitHubRelease {
  return {
    tag: 'v1.2.0',
    name: 'Acme tools 1.2.0',
    draft: false,
    prerelease: false,
    publishedAt: '2026-01-01T12:00:00.000Z',
    packageAsset: { name: 'acme-tools-1.2.0.tgz', size: 20480 },
    bundleAsset: 'acme-tools-1.2.0.sigstore.json',
    installable: true,
    reason: null,
    ...overrides,
  };
}

export function promotion(overrides: Partial<Promotion> = {}): Promotion {
  return {
    name: '@acme/tools',
    version: '1.1.0',
    destinationUrl: 'https://registry.example.com/',
    integrity: 'sha512-abcdef',
    promotedBy: '00000000-0000-4000-8000-000000000001',
    promotedAt: '2026-01-04T08:00:00.000Z',
    ...overrides,
  };
}
