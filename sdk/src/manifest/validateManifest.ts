import Ajv from 'ajv';
import semver from 'semver';
import { Value } from 'typebox/value';
import {
  ExtensionPackageSchema,
  HOST_API_VERSION,
  SECRET_REFERENCE_KEYWORD,
  type CinatraBlock,
  type ExtensionKind,
  type ExtensionManifest,
} from './ExtensionManifest.js';

/** A manifest that fails its schema or a rule the schema cannot express; `path` is a JSON Pointer. */
export class ManifestError extends Error {
  readonly code = 'manifest_invalid';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Invalid extension manifest at ${path || '/'}: ${reason}`);
    this.name = 'ManifestError';
  }
}

/** Only checks that declared schemas compile: formats are left to whoever validates values against them. */
const schemaCompiler = new Ajv.default({ strict: false, allErrors: false, validateFormats: false });

/** Which contribution list each kind promises to fill. */
const KIND_CONTRIBUTES: Record<ExtensionKind, keyof CinatraBlock['contributes']> = {
  'mcp-tools': 'mcpTools',
  'llm-provider': 'llmProviders',
  connector: 'connectors',
  renderer: 'renderers',
  'dashboard-widget': 'dashboardWidgets',
  skill: 'skills',
  agent: 'agents',
};

/**
 * Checks a `package.json` (object or JSON text) against the manifest schema and the rules
 * around it. Returns the manifest, or throws a `ManifestError` naming the first failing path.
 * Runs before any extension code: nothing here executes the package.
 */
export function validateManifest(packageJson: unknown): ExtensionManifest {
  let value = packageJson;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new ManifestError('', `package.json is not valid JSON (${(error as Error).message})`);
    }
  }
  const first = Value.Errors(ExtensionPackageSchema, value)[0];
  if (first) {
    // A missing property is reported at its parent; name the property itself instead.
    const missing = (first.params as { requiredProperties?: string[] }).requiredProperties?.[0];
    if (first.keyword === 'required' && missing) {
      throw new ManifestError(`${first.instancePath}/${missing}`, 'is required');
    }
    throw new ManifestError(first.instancePath, first.message);
  }
  const manifest = value as ExtensionManifest;
  const block = manifest.cinatra;

  if (!semver.validRange(block.engine)) {
    throw new ManifestError('/cinatra/engine', `"${block.engine}" is not a semver range (e.g. "^1.0.0")`);
  }
  for (const [index, kind] of block.kinds.entries()) {
    const list = block.contributes[KIND_CONTRIBUTES[kind]] as unknown[] | undefined;
    if (!list || list.length === 0) {
      throw new ManifestError(
        `/cinatra/kinds/${index}`,
        `kind "${kind}" needs at least one entry in contributes.${KIND_CONTRIBUTES[kind]}`,
      );
    }
  }
  checkUnique(
    block.contributes.mcpTools?.map((t) => t.name),
    '/cinatra/contributes/mcpTools',
    'name',
  );
  for (const key of ['llmProviders', 'connectors', 'renderers', 'dashboardWidgets', 'skills'] as const) {
    checkUnique(
      block.contributes[key]?.map((c) => c.id),
      `/cinatra/contributes/${key}`,
      'id',
    );
  }
  for (const [index, tool] of (block.contributes.mcpTools ?? []).entries()) {
    for (const key of ['inputSchema', 'outputSchema'] as const) {
      if (!tool[key]) continue;
      try {
        schemaCompiler.compile(tool[key]);
      } catch (error) {
        throw new ManifestError(
          `/cinatra/contributes/mcpTools/${index}/${key}`,
          `is not a valid JSON Schema (${(error as Error).message})`,
        );
      }
    }
  }
  for (const [index, connector] of (block.contributes.connectors ?? []).entries()) {
    if (!connector.setupSchema) continue;
    const path = `/cinatra/contributes/connectors/${index}/setupSchema`;
    try {
      schemaCompiler.compile(connector.setupSchema);
    } catch (error) {
      throw new ManifestError(path, `is not a valid JSON Schema (${(error as Error).message})`);
    }
    checkSetupProperties(connector.setupSchema, path, 0);
  }
  const contributed = new Set(impliedActivationEvents(block));
  for (const [index, event] of (block.activationEvents ?? []).entries()) {
    if (event !== 'onStartup' && !contributed.has(event)) {
      throw new ManifestError(
        `/cinatra/activationEvents/${index}`,
        `"${event}" names nothing this extension contributes`,
      );
    }
  }
  for (const [index, text] of (block.permissions ?? []).entries()) {
    const permission = parsePermission(text);
    const setting = permission.qualifier?.match(/^\$\{settings\.([a-zA-Z][a-zA-Z0-9]*)\}$/)?.[1];
    if (permission.qualifier?.includes('$') && !setting) {
      throw new ManifestError(
        `/cinatra/permissions/${index}`,
        'a qualifier may only reference a whole setting, as ${settings.<name>}',
      );
    }
    if (setting && (permission.capability !== 'network' || block.settings?.[setting]?.format !== 'uri')) {
      throw new ManifestError(
        `/cinatra/permissions/${index}`,
        `\${settings.${setting}} must be a network permission naming a declared setting with format "uri"`,
      );
    }
    if (permission.capability === 'network' && !permission.qualifier) {
      throw new ManifestError(
        `/cinatra/permissions/${index}`,
        'network needs a host, e.g. network:api.github.com',
      );
    }
  }
  for (const [name, setting] of Object.entries(block.settings ?? {})) {
    if (setting.default !== undefined && typeof setting.default !== setting.type) {
      throw new ManifestError(`/cinatra/settings/${name}/default`, `must be a ${setting.type}`);
    }
  }
  return manifest;
}

/** True when the host API version satisfies the extension's `engine` range. */
export function engineSatisfied(manifest: ExtensionManifest, hostApiVersion = HOST_API_VERSION): boolean {
  return semver.satisfies(hostApiVersion, manifest.cinatra.engine, { includePrerelease: true });
}

export interface Permission {
  capability: 'secrets.read' | 'queue.enqueue' | 'llm.invoke' | 'notifications.send' | 'storage' | 'network';
  qualifier: string | null;
  /** The permission as written in the manifest. */
  text: string;
}

export function parsePermission(text: string): Permission {
  const at = text.indexOf(':');
  return {
    capability: (at < 0 ? text : text.slice(0, at)) as Permission['capability'],
    qualifier: at < 0 ? null : text.slice(at + 1),
    text,
  };
}

/** The activation events contributions imply: first use of a tool, provider, connector… */
export function impliedActivationEvents(block: CinatraBlock): string[] {
  const c = block.contributes;
  return [
    ...(c.mcpTools ?? []).map((t) => `onMcpTool:${t.name}`),
    ...(c.llmProviders ?? []).map((p) => `onLlmProvider:${p.id}`),
    ...(c.connectors ?? []).map((p) => `onConnector:${p.id}`),
    ...(c.renderers ?? []).map((p) => `onRenderer:${p.id}`),
    ...(c.dashboardWidgets ?? []).map((p) => `onDashboardWidget:${p.id}`),
  ];
}

/** Declared activation events plus the implied ones, without duplicates. */
export function activationEventsOf(manifest: ExtensionManifest): string[] {
  return [
    ...new Set([...(manifest.cinatra.activationEvents ?? []), ...impliedActivationEvents(manifest.cinatra)]),
  ];
}

/** Nesting of `properties` looked at for secret references; deeper schemas are not walked. */
const MAX_SETUP_DEPTH = 16;

/**
 * Setup values are stored as they are and shown to admins, so they must not hold credentials:
 * a property marked `x-cinatra-secret` is a string (the name of a kernel secret), and a
 * `writeOnly` property (a password field) is refused, pointing at the secret convention.
 */
function checkSetupProperties(schema: Record<string, unknown>, path: string, depth: number): void {
  const properties = schema.properties;
  if (depth > MAX_SETUP_DEPTH || typeof properties !== 'object' || properties === null) return;
  for (const [key, value] of Object.entries(properties)) {
    if (typeof value !== 'object' || value === null) continue;
    const property = value as Record<string, unknown>;
    const at = `${path}/properties/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const marker = property[SECRET_REFERENCE_KEYWORD];
    if (marker !== undefined && (marker !== true || property.type !== 'string')) {
      throw new ManifestError(
        `${at}/${SECRET_REFERENCE_KEYWORD}`,
        `must be true, on a property of type "string" (its value names a kernel secret)`,
      );
    }
    if (property.writeOnly === true) {
      throw new ManifestError(
        `${at}/writeOnly`,
        `setup values must not hold credentials: declare a string property with "${SECRET_REFERENCE_KEYWORD}": true naming a kernel secret instead`,
      );
    }
    checkSetupProperties(property, at, depth + 1);
  }
}

function checkUnique(values: string[] | undefined, path: string, field: string): void {
  const seen = new Set<string>();
  for (const [index, value] of (values ?? []).entries()) {
    if (seen.has(value)) throw new ManifestError(`${path}/${index}/${field}`, `"${value}" is used twice`);
    seen.add(value);
  }
}
