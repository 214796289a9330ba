import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ExtensionPackageSchema, HOST_API_VERSION } from './ExtensionManifest.js';
import {
  activationEventsOf,
  engineSatisfied,
  ManifestError,
  parsePermission,
  validateManifest,
} from './validateManifest.js';

type Json = Record<string, unknown>;

function manifest(cinatra: Json = {}, top: Json = {}): Json {
  return {
    name: '@acme/github',
    version: '1.0.0',
    ...top,
    cinatra: {
      apiVersion: 1,
      kinds: ['mcp-tools'],
      displayName: 'GitHub',
      publisher: 'acme',
      engine: '^1.0.0',
      entry: 'dist/index.js',
      contributes: {
        mcpTools: [
          {
            name: 'list_issues',
            description: 'List issues',
            inputSchema: { type: 'object', properties: { repo: { type: 'string' } }, required: ['repo'] },
          },
        ],
      },
      permissions: ['secrets.read:github-token', 'queue.enqueue:github-sync', 'llm.invoke', 'storage'],
      ...cinatra,
    },
  };
}

/** The JSON Pointer of the refusal. */
function refusedAt(value: unknown): string {
  try {
    validateManifest(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).path;
  }
  throw new Error('the manifest was accepted');
}

const committedSchema = JSON.parse(
  readFileSync(new URL('../../schema/extension-manifest.schema.json', import.meta.url), 'utf8'),
) as Json;

describe('validateManifest', () => {
  it('accepts a complete manifest, as an object or as package.json text', () => {
    const value = manifest({
      settings: {
        baseUrl: {
          type: 'string',
          description: 'API base URL',
          format: 'uri',
          default: 'https://api.github.com',
        },
      },
      permissions: ['network:api.github.com', 'network:${settings.baseUrl}', 'network:localhost:8080'],
      activationEvents: ['onStartup', 'onMcpTool:list_issues'],
      resources: { memoryMb: 256, callTimeoutMs: 10_000, concurrency: 4 },
    });
    expect(validateManifest(value).name).toBe('@acme/github');
    expect(validateManifest(JSON.stringify(value)).cinatra.publisher).toBe('acme');
  });

  it.each([
    ['missing name', manifest({}, { name: undefined }), '/name'],
    ['bad package name', manifest({}, { name: 'Not Valid' }), '/name'],
    ['version not semver', manifest({}, { version: '1.0' }), '/version'],
    ['no cinatra block', { name: 'x', version: '1.0.0' }, '/cinatra'],
    ['missing entry', manifest({ entry: undefined }), '/cinatra/entry'],
    ['wrong apiVersion', manifest({ apiVersion: 2 }), '/cinatra/apiVersion'],
    ['unknown kind', manifest({ kinds: ['theme'] }), '/cinatra/kinds/0'],
    ['no kinds', manifest({ kinds: [] }), '/cinatra/kinds'],
    ['publisher with capitals', manifest({ publisher: 'Acme' }), '/cinatra/publisher'],
    ['entry outside the package', manifest({ entry: '../evil.js' }), '/cinatra/entry'],
    ['entry not a module', manifest({ entry: 'dist/index.ts' }), '/cinatra/entry'],
    ['unknown field', manifest({ sandbox: false }), '/cinatra/sandbox'],
    ['bad permission', manifest({ permissions: ['fs.write:/'] }), '/cinatra/permissions/0'],
    ['permission typo', manifest({ permissions: ['secret.read:x'] }), '/cinatra/permissions/0'],
    ['memory too small', manifest({ resources: { memoryMb: 1 } }), '/cinatra/resources/memoryMb'],
    [
      'tool without inputSchema',
      manifest({ contributes: { mcpTools: [{ name: 't', description: 'd' }] } }),
      '/cinatra/contributes/mcpTools/0/inputSchema',
    ],
    [
      'tool with a bad name',
      manifest({
        contributes: { mcpTools: [{ name: 'a b', description: 'd', inputSchema: { type: 'object' } }] },
      }),
      '/cinatra/contributes/mcpTools/0/name',
    ],
    [
      'inputSchema not an object schema',
      manifest({
        contributes: { mcpTools: [{ name: 't', description: 'd', inputSchema: { type: 'string' } }] },
      }),
      '/cinatra/contributes/mcpTools/0/inputSchema/type',
    ],
    [
      'activation event of an unknown kind',
      manifest({ activationEvents: ['onBoot'] }),
      '/cinatra/activationEvents/0',
    ],
  ])('refuses %s, naming the path', (_label, value, path) => {
    expect(refusedAt(value)).toBe(path);
  });

  it('refuses invalid JSON text at the root', () => {
    expect(refusedAt('{ "name": ')).toBe('');
  });

  it('refuses an engine that is not a semver range', () => {
    expect(refusedAt(manifest({ engine: 'latest-ish' }))).toBe('/cinatra/engine');
  });

  it('refuses a kind without contributions of that kind', () => {
    expect(refusedAt(manifest({ kinds: ['mcp-tools', 'connector'] }))).toBe('/cinatra/kinds/1');
    expect(refusedAt(manifest({ contributes: { mcpTools: [] } }))).toBe('/cinatra/kinds/0');
  });

  it('refuses duplicate tool names and contribution ids', () => {
    const tool = { name: 'dup', description: 'd', inputSchema: { type: 'object' } };
    expect(refusedAt(manifest({ contributes: { mcpTools: [tool, tool] } }))).toBe(
      '/cinatra/contributes/mcpTools/1/name',
    );
    const connector = { id: 'c', displayName: 'C' };
    expect(
      refusedAt(manifest({ kinds: ['connector'], contributes: { connectors: [connector, connector] } })),
    ).toBe('/cinatra/contributes/connectors/1/id');
  });

  it('refuses an inputSchema that is not a valid JSON Schema', () => {
    const tool = {
      name: 't',
      description: 'd',
      inputSchema: { type: 'object', properties: { a: { type: 'strin' } } },
    };
    expect(refusedAt(manifest({ contributes: { mcpTools: [tool] } }))).toBe(
      '/cinatra/contributes/mcpTools/0/inputSchema',
    );
    const out = {
      name: 't',
      description: 'd',
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object', required: 'x' },
    };
    expect(refusedAt(manifest({ contributes: { mcpTools: [out] } }))).toBe(
      '/cinatra/contributes/mcpTools/0/outputSchema',
    );
  });

  describe('connector setupSchema', () => {
    const withConnector = (connector: Json) =>
      manifest({
        kinds: ['mcp-tools', 'connector'],
        contributes: {
          mcpTools: [{ name: 't', description: 'd', inputSchema: { type: 'object' } }],
          connectors: [{ id: 'crm', displayName: 'CRM', ...connector }],
        },
      });
    const setupAt = '/cinatra/contributes/connectors/0/setupSchema';

    it('accepts an object schema whose secret references are strings, nested ones too', () => {
      const setupSchema = {
        type: 'object',
        properties: {
          baseUrl: { type: 'string', format: 'uri' },
          tokenSecret: { type: 'string', 'x-cinatra-secret': true },
          oauth: {
            type: 'object',
            properties: { clientSecret: { type: 'string', 'x-cinatra-secret': true } },
          },
        },
        required: ['baseUrl', 'tokenSecret'],
      };
      const accepted = validateManifest(withConnector({ setupSchema }));
      expect(accepted.cinatra.contributes.connectors?.[0]?.setupSchema).toEqual(setupSchema);
      expect(validateManifest(withConnector({})).cinatra.contributes.connectors?.[0]).toEqual({
        id: 'crm',
        displayName: 'CRM',
      });
    });

    it('refuses a schema whose top-level type is not "object", or that does not compile', () => {
      expect(refusedAt(withConnector({ setupSchema: { type: 'string' } }))).toBe(`${setupAt}/type`);
      expect(
        refusedAt(withConnector({ setupSchema: { type: 'object', properties: { a: { type: 'strin' } } } })),
      ).toBe(setupAt);
    });

    it('refuses a secret reference that is not a string, and password fields', () => {
      expect(
        refusedAt(
          withConnector({
            setupSchema: {
              type: 'object',
              properties: { token: { type: 'number', 'x-cinatra-secret': true } },
            },
          }),
        ),
      ).toBe(`${setupAt}/properties/token/x-cinatra-secret`);
      expect(
        refusedAt(
          withConnector({
            setupSchema: {
              type: 'object',
              properties: {
                auth: { type: 'object', properties: { password: { type: 'string', writeOnly: true } } },
              },
            },
          }),
        ),
      ).toBe(`${setupAt}/properties/auth/properties/password/writeOnly`);
    });
  });

  it('refuses activation events that name nothing contributed', () => {
    expect(refusedAt(manifest({ activationEvents: ['onMcpTool:nope'] }))).toBe('/cinatra/activationEvents/0');
    expect(refusedAt(manifest({ activationEvents: ['onStartup', 'onConnector:x'] }))).toBe(
      '/cinatra/activationEvents/1',
    );
  });

  it('checks ${settings.x} qualifiers: whole setting, network only, a declared uri setting', () => {
    const settings = {
      baseUrl: { type: 'string', description: 'u', format: 'uri' },
      plain: { type: 'string', description: 'p' },
    };
    expect(refusedAt(manifest({ settings, permissions: ['network:api.${settings.baseUrl}'] }))).toBe(
      '/cinatra/permissions/0',
    );
    expect(refusedAt(manifest({ settings, permissions: ['secrets.read:${settings.baseUrl}'] }))).toBe(
      '/cinatra/permissions/0',
    );
    expect(refusedAt(manifest({ settings, permissions: ['network:${settings.missing}'] }))).toBe(
      '/cinatra/permissions/0',
    );
    expect(refusedAt(manifest({ settings, permissions: ['storage', 'network:${settings.plain}'] }))).toBe(
      '/cinatra/permissions/1',
    );
    expect(
      validateManifest(manifest({ settings, permissions: ['network:${settings.baseUrl}'] })),
    ).toBeTruthy();
  });

  it('refuses network without a host and a default of the wrong type', () => {
    expect(refusedAt(manifest({ permissions: ['network'] }))).toBe('/cinatra/permissions/0');
    expect(
      refusedAt(manifest({ settings: { n: { type: 'number', description: 'n', default: 'five' } } })),
    ).toBe('/cinatra/settings/n/default');
  });
});

describe('engineSatisfied', () => {
  it('matches the host API version against the range', () => {
    const of = (engine: string) => validateManifest(manifest({ engine }));
    expect(engineSatisfied(of('^1.0.0'))).toBe(true);
    expect(engineSatisfied(of('>=1.0.0 <2'))).toBe(true);
    expect(engineSatisfied(of('^2.0.0'))).toBe(false);
    expect(engineSatisfied(of('^1.1.0'), '1.0.5')).toBe(false);
    expect(engineSatisfied(of('^1.1.0'), '1.2.0-beta.1')).toBe(true);
    expect(HOST_API_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('parsePermission', () => {
  it('splits capability and qualifier at the first colon', () => {
    expect(parsePermission('network:localhost:8080')).toEqual({
      capability: 'network',
      qualifier: 'localhost:8080',
      text: 'network:localhost:8080',
    });
    expect(parsePermission('storage')).toEqual({ capability: 'storage', qualifier: null, text: 'storage' });
  });
});

describe('activationEventsOf', () => {
  it('implies an activation event for every contribution, without duplicates', () => {
    const m = validateManifest(
      manifest({
        kinds: ['mcp-tools', 'connector', 'llm-provider', 'renderer', 'dashboard-widget'],
        contributes: {
          mcpTools: [{ name: 'list_issues', description: 'd', inputSchema: { type: 'object' } }],
          connectors: [{ id: 'gh', displayName: 'GH' }],
          llmProviders: [{ id: 'llm', displayName: 'LLM' }],
          renderers: [{ id: 'md', displayName: 'MD', mimeTypes: ['text/markdown'] }],
          dashboardWidgets: [{ id: 'w', displayName: 'W' }],
        },
        activationEvents: ['onStartup', 'onMcpTool:list_issues'],
      }),
    );
    expect(activationEventsOf(m)).toEqual([
      'onStartup',
      'onMcpTool:list_issues',
      'onLlmProvider:llm',
      'onConnector:gh',
      'onRenderer:md',
      'onDashboardWidget:w',
    ]);
  });
});

describe('the published JSON Schema', () => {
  it('equals the schema generated from the TypeBox definition (run `npm run schema -w sdk`)', () => {
    const generated = JSON.parse(
      JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...ExtensionPackageSchema }),
    );
    expect(committedSchema).toEqual(generated);
  });

  it('works for third parties: Ajv (draft 2020-12) agrees with validateManifest on schema rules', () => {
    const ajv = new Ajv2020.default({ strict: false });
    const validate = ajv.compile(committedSchema);
    expect(validate(manifest())).toBe(true);
    for (const bad of [
      manifest({}, { version: '1.0' }),
      manifest({ apiVersion: 2 }),
      manifest({ permissions: ['fs.write:/'] }),
      manifest({ entry: '../evil.js' }),
      manifest({ sandbox: false }),
      manifest({ contributes: { mcpTools: [{ name: 't', description: 'd' }] } }),
      manifest({
        kinds: ['connector'],
        contributes: { connectors: [{ id: 'crm', displayName: 'CRM', setupSchema: { type: 'array' } }] },
      }),
    ]) {
      expect(validate(bad)).toBe(false);
      expect(() => validateManifest(bad)).toThrow(ManifestError);
    }
  });
});
