import { inject, injectable, type InjectionToken } from 'tsyringe';
import type { ReadResourceResult, Resource, ResourceTemplate } from '@modelcontextprotocol/sdk/types.js';
import {
  AUDIT_LOG,
  AUTHORIZER,
  CLASSIFICATION_REGISTRY,
  KernelError,
  PRIMITIVE_REGISTRY,
  WORKSPACE,
  decide,
  type ActorContext,
  type AuditLog,
  type AuditQuery,
  type Authorizer,
  type ClassificationRegistry,
  type PrimitiveRegistry,
  type ResourceRef,
} from '@cinatra/kernel';
import { CONTRIBUTION_REGISTRY, type ContributionRegistry } from '../extensions/ContributionRegistry.js';
import {
  EXTENSION_MANAGER,
  type ExtensionManager,
  type ExtensionView,
} from '../extensions/ExtensionManager.js';
import { MCP_TOOL_CATALOG, type McpToolCatalog } from './McpToolCatalog.js';

export const PRIMITIVES_URI = 'cinatra://primitives';
export const EXTENSIONS_URI = 'cinatra://extensions';
export const AUDIT_EVENTS_URI = 'cinatra://audit/events';
const JSON_TYPE = 'application/json';

/** Query parameters of `cinatra://audit/events`, as `GET /api/audit/events` takes them. */
const AUDIT_PARAMETERS = [
  'actorId',
  'resourceType',
  'resourceId',
  'operation',
  'decision',
  'since',
  'until',
  'cursor',
  'limit',
] as const;
type AuditParameter = (typeof AUDIT_PARAMETERS)[number];
const DEFAULT_AUDIT_LIMIT = 50;

/** What a read learns about the request: who asks, and the MCP session it came in. */
export interface ResourceReadContext {
  actor: ActorContext;
  sessionId: string | null;
}

const TEMPLATES: ResourceTemplate[] = [
  {
    uriTemplate: `${EXTENSIONS_URI}/{name}`,
    name: 'extension',
    title: 'An installed extension',
    description:
      'One installed extension by package name (e.g. cinatra://extensions/@acme/crm): state, last error, requested and granted permissions, settings, tools with their MCP names. Platform admins.',
    mimeType: JSON_TYPE,
  },
  {
    uriTemplate: `${AUDIT_EVENTS_URI}{?${AUDIT_PARAMETERS.join(',')}}`,
    name: 'audit-events',
    title: 'Audit events',
    description:
      'Audit events, newest first, filtered like GET /api/audit/events (decision allow|deny, since/until ISO date-times, limit 1-500); nextUri reads the next page. Platform admins.',
    mimeType: JSON_TYPE,
  },
];

/**
 * The platform's data as MCP resources (JSON): the primitives the caller may call, the
 * installed extensions, one extension, and the audit log. `resources(actor)` lists what the
 * actor may read (a pure `decide`, like tools/list); `read` authorizes every read the way the
 * HTTP route for the same data does, so it is audited where that route's read is — the
 * extension and audit reads as `extension.list` / `extension.read` / `audit_event.list` with
 * `{ via: 'mcp', sessionId, uri }` — and the primitive list is not (listing is not acting).
 *
 * Per-extension resources are listed for the enabled extensions (the set
 * `notifications/resources/list_changed` follows); any installed one can be read through the
 * `cinatra://extensions/{name}` template.
 */
@injectable()
export class McpResourceCatalog {
  constructor(
    @inject(EXTENSION_MANAGER) private readonly extensions: ExtensionManager,
    @inject(CONTRIBUTION_REGISTRY) private readonly contributions: ContributionRegistry,
    @inject(PRIMITIVE_REGISTRY) private readonly primitives: PrimitiveRegistry,
    @inject(MCP_TOOL_CATALOG) private readonly tools: McpToolCatalog,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(CLASSIFICATION_REGISTRY) private readonly classifications: ClassificationRegistry,
  ) {}

  /** Calls `listener` when the list of resources changes (an extension is enabled, disabled, removed). */
  onChange(listener: () => void): () => void {
    return this.contributions.onChange(listener);
  }

  /** The resources `actor` may read. */
  resources(actor: ActorContext): Resource[] {
    const resources: Resource[] = [
      {
        uri: PRIMITIVES_URI,
        name: 'primitives',
        title: 'Platform primitives',
        description: 'The platform primitives you may call, with input and output schemas and authorization.',
        mimeType: JSON_TYPE,
      },
    ];
    if (this.may(actor, 'extension', 'list')) {
      resources.push({
        uri: EXTENSIONS_URI,
        name: 'extensions',
        title: 'Installed extensions',
        description:
          'Every installed extension: name, version, publisher, state and the MCP tools it serves.',
        mimeType: JSON_TYPE,
      });
    }
    for (const name of this.contributions.extensions()) {
      if (!this.may(actor, 'extension', 'read', name)) continue;
      const manifest = this.contributions.manifest(name)!;
      resources.push({
        uri: extensionUri(name),
        name: `extension ${name}`,
        title: manifest.cinatra.displayName ?? name,
        description: `Extension ${name} ${manifest.version}: state, permissions, settings and tools.`,
        mimeType: JSON_TYPE,
      });
    }
    if (this.may(actor, 'audit_event', 'list')) {
      resources.push({
        uri: AUDIT_EVENTS_URI,
        name: 'audit-events',
        title: 'Recent audit events',
        description: `The newest ${DEFAULT_AUDIT_LIMIT} audit events; the template takes filters and a cursor.`,
        mimeType: JSON_TYPE,
      });
    }
    return resources;
  }

  /** The resource templates `actor` may read through. */
  templates(actor: ActorContext): ResourceTemplate[] {
    return TEMPLATES.filter((template) =>
      template.name === 'extension'
        ? this.may(actor, 'extension', 'read')
        : this.may(actor, 'audit_event', 'list'),
    );
  }

  /**
   * Reads `uri` as `context.actor`. An unknown URI or extension is `not_found`, a bad audit
   * parameter `validation_failed` naming it (`/uri/<parameter>`), a refused read `forbidden`.
   */
  async read(uri: string, context: ResourceReadContext): Promise<ReadResourceResult> {
    const url = parseUri(uri);
    const audit = { via: 'mcp', sessionId: context.sessionId, uri };
    if (url.host === 'primitives' && url.pathname === '' && url.search === '') {
      return json(uri, { primitives: this.primitives.listFor(context.actor) });
    }
    if (url.host === 'extensions' && url.search === '') {
      if (url.pathname === '' || url.pathname === '/') {
        const extensions = await this.extensions.list({}, audit);
        return json(uri, { extensions: extensions.map((extension) => this.summary(extension)) });
      }
      const name = packageName(url.pathname.slice(1));
      if (name === null) throw notFound(uri);
      const extension = await this.extensions.get(name, audit);
      const { contributions, ...rest } = extension;
      return json(uri, { ...rest, tools: this.toolsOf(extension), contributions });
    }
    if (url.host === 'audit' && url.pathname === '/events') {
      const { filter, cursor, limit } = auditQuery(url.searchParams);
      await this.authorizer.authorize(
        context.actor,
        'list',
        { type: 'audit_event', owner: WORKSPACE },
        audit,
      );
      const page = await this.audit.query(filter, { cursor, limit });
      const next = new URLSearchParams(url.searchParams);
      if (page.nextCursor) next.set('cursor', page.nextCursor);
      return json(uri, {
        events: page.events.map((event) => ({ ...event, occurredAt: event.occurredAt.toISOString() })),
        nextCursor: page.nextCursor,
        nextUri: page.nextCursor ? `${AUDIT_EVENTS_URI}?${next.toString()}` : null,
      });
    }
    throw notFound(uri);
  }

  private summary(extension: ExtensionView) {
    return {
      name: extension.name,
      version: extension.version,
      displayName: extension.displayName,
      publisher: extension.publisher,
      enabled: extension.enabled,
      state: extension.state,
      uri: extensionUri(extension.name),
      tools: this.toolsOf(extension),
    };
  }

  /** The extension's tools with the MCP name each is served under (null: not served now). */
  private toolsOf(extension: ExtensionView) {
    return extension.contributions.mcpTools.map((tool) => ({
      name: tool.name,
      mcpName: extension.enabled ? this.tools.mcpNameOf(extension.name, tool.name) : null,
      ...(tool.title !== undefined ? { title: tool.title } : {}),
      description: tool.description,
    }));
  }

  private may(actor: ActorContext, type: string, action: string, id?: string): boolean {
    const resource: ResourceRef = { type, ...(id !== undefined ? { id } : {}), owner: WORKSPACE };
    return decide(actor, this.classifications.get(type, action), resource).allow;
  }
}

/** `cinatra://extensions/@acme/crm`: the package name as it is (the template also accepts it percent-encoded). */
export function extensionUri(name: string): string {
  return `${EXTENSIONS_URI}/${name}`;
}

/** The package name in an extension URI's path, raw or percent-encoded; null when it cannot be one. */
function packageName(path: string): string | null {
  try {
    const name = decodeURIComponent(path);
    return /^(@[^/@\s]+\/)?[^/@\s]+$/.test(name) && name.length <= 214 ? name : null;
  } catch {
    return null;
  }
}

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(value) }] };
}

function notFound(uri: string): KernelError {
  return new KernelError(
    'not_found',
    `No resource ${uri}; resources/list and resources/templates/list name them.`,
  );
}

function parseUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw notFound(uri);
  }
  if (url.protocol !== 'cinatra:' || url.hash !== '' || url.username !== '' || url.port !== '') {
    throw notFound(uri);
  }
  return url;
}

/** The audit query a `cinatra://audit/events?…` URI asks for; a bad parameter is named in the error. */
function auditQuery(params: URLSearchParams): { filter: AuditQuery; cursor?: string; limit: number } {
  const values: Partial<Record<AuditParameter, string>> = {};
  for (const [key, value] of params) {
    if (!(AUDIT_PARAMETERS as readonly string[]).includes(key)) {
      throw invalid(key, `is not a parameter (use ${AUDIT_PARAMETERS.join(', ')})`);
    }
    if (values[key as AuditParameter] !== undefined) throw invalid(key, 'is given twice');
    if (value === '' || value.length > 200) throw invalid(key, 'must be 1 to 200 characters');
    values[key as AuditParameter] = value;
  }
  const filter: AuditQuery = {};
  for (const key of ['actorId', 'resourceType', 'resourceId', 'operation'] as const) {
    if (values[key] !== undefined) filter[key] = values[key];
  }
  if (values.decision !== undefined) {
    if (values.decision !== 'allow' && values.decision !== 'deny')
      throw invalid('decision', 'must be allow or deny');
    filter.decision = values.decision;
  }
  for (const key of ['since', 'until'] as const) {
    const text = values[key];
    if (text === undefined) continue;
    const date = new Date(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) {
      throw invalid(key, 'must be an ISO 8601 date-time');
    }
    filter[key] = date;
  }
  if (values.cursor !== undefined && !/^[0-9]{1,15}$/.test(values.cursor)) {
    throw invalid('cursor', 'must be the nextCursor of an earlier page');
  }
  let limit = DEFAULT_AUDIT_LIMIT;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^[0-9]{1,3}$/.test(values.limit) || limit < 1 || limit > 500) {
      throw invalid('limit', 'must be an integer from 1 to 500');
    }
  }
  return { filter, ...(values.cursor !== undefined ? { cursor: values.cursor } : {}), limit };
}

function invalid(parameter: string, problem: string): KernelError {
  return new KernelError('validation_failed', `Parameter ${parameter} of ${AUDIT_EVENTS_URI} ${problem}.`, {
    errors: [{ path: `/uri/${parameter}`, message: problem }],
  });
}

export const MCP_RESOURCE_CATALOG: InjectionToken<McpResourceCatalog> = McpResourceCatalog;
