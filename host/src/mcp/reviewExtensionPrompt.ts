import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import {
  WORKSPACE,
  decide,
  type AuditEvent,
  type AuditLog,
  type Authorizer,
  type ClassificationRegistry,
} from '@cinatra/kernel';
import type { ExtensionManager, ExtensionView } from '../extensions/ExtensionManager.js';
import { invalidArgument, type PromptDefinition } from './McpPromptRegistry.js';
import { extensionUri } from './McpResourceCatalog.js';

export const REVIEW_EXTENSION_PROMPT = 'cinatra.review_extension';
/** Audit events about the extension the prompt includes, newest first. */
const RECENT_EVENTS = 25;

interface Dependencies {
  extensions: ExtensionManager;
  audit: AuditLog;
  authorizer: Authorizer;
  classifications: ClassificationRegistry;
}

/**
 * `cinatra.review_extension { name }`: asks the model for a security and operations review of
 * one installed extension — what it is, the permissions it requests against those granted, the
 * tools it serves with their input schemas, its settings and state, and its recent audit trail.
 * Shown to whoever may read extensions and the audit log (platform admins); both reads are
 * authorized and audited as the HTTP routes' are, with the prompt and session in the event.
 */
export function reviewExtensionPrompt({
  extensions,
  audit,
  authorizer,
  classifications,
}: Dependencies): PromptDefinition {
  return {
    name: REVIEW_EXTENSION_PROMPT,
    title: 'Review an extension',
    description:
      'A security and operations review of one installed extension: requested vs granted permissions, tools, settings, state and recent audit events, ending in a recommendation.',
    arguments: [
      {
        name: 'name',
        description: 'Package name of the installed extension, e.g. @acme/crm',
        required: true,
      },
    ],
    visibleTo: (actor) =>
      decide(actor, classifications.get('extension', 'read'), { type: 'extension', owner: WORKSPACE })
        .allow &&
      decide(actor, classifications.get('audit_event', 'list'), { type: 'audit_event', owner: WORKSPACE })
        .allow,
    async render(args, { actor, sessionId }) {
      const name = args.name!.trim();
      const metadata = { via: 'mcp', sessionId, prompt: REVIEW_EXTENSION_PROMPT };
      const extension = await extensions.get(name, metadata).catch((error: unknown) => {
        if ((error as { code?: unknown }).code === 'not_found') {
          throw invalidArgument(
            'name',
            `No extension named ${name} is installed.`,
            'names no installed extension',
          );
        }
        throw error;
      });
      await authorizer.authorize(actor, 'list', { type: 'audit_event', owner: WORKSPACE }, metadata);
      const { events } = await audit.query(
        { resourceType: 'extension', resourceId: name },
        { limit: RECENT_EVENTS },
      );
      return reviewMessages(extension, events);
    },
  };
}

function reviewMessages(extension: ExtensionView, events: AuditEvent[]): GetPromptResult {
  const granted = new Set(extension.grantedPermissions);
  const permissions = extension.requestedPermissions.length
    ? extension.requestedPermissions
        .map((permission) => `- ${permission} — ${granted.has(permission) ? 'granted' : 'not granted'}`)
        .join('\n')
    : '- (none requested)';
  const tools = extension.contributions.mcpTools.length
    ? extension.contributions.mcpTools
        .map(
          (tool) =>
            `- ${tool.name}${tool.title ? ` (${tool.title})` : ''}: ${tool.description}\n  input schema: ${JSON.stringify(tool.inputSchema)}`,
        )
        .join('\n')
    : '- (none)';
  const settings = Object.keys(extension.settings).length
    ? Object.entries(extension.settings)
        .map(([key, value]) => `- ${key} = ${JSON.stringify(value)}`)
        .join('\n')
    : '- (none)';
  const trail = events.length
    ? events
        .map(
          (event) =>
            `- ${event.occurredAt.toISOString()} ${event.operation}${event.decision ? ` ${event.decision}` : ''} by ${event.actorId ?? event.actorType}${event.reason ? ` (${event.reason})` : ''}${Object.keys(event.metadata).length ? ` ${JSON.stringify(event.metadata)}` : ''}`,
        )
        .join('\n')
    : '- (no events)';
  const lastError = extension.lastError
    ? `${extension.lastError.code}: ${extension.lastError.message}${extension.lastError.path ? ` (${extension.lastError.path})` : ''} at ${extension.lastError.at}`
    : 'none';
  const text = `Review the Cinatra extension ${extension.name} for a platform administrator who decides whether to keep it enabled and which permissions to grant it. Extensions run in an isolated process and can do only what their granted permissions allow.

## ${extension.displayName} (${extension.name} ${extension.version})
- publisher: ${extension.publisher ?? 'unknown'}
- enabled: ${extension.enabled}, state: ${extension.state}, crashes in the last 5 minutes: ${extension.recentCrashes}${extension.quarantinedAt ? `, quarantined since ${extension.quarantinedAt}` : ''}
- last error: ${lastError}
- installed ${extension.installedAt}, last changed ${extension.updatedAt}

## Permissions it requests
${permissions}

## MCP tools it serves
${tools}

## Settings
${settings}

## Recent audit events about it (newest first, at most ${RECENT_EVENTS})
${trail}

Answer in four parts:
1. What the extension can do now with its granted permissions, and what the tools let a caller do.
2. For each requested permission: whether it fits what the tools describe, and the risk of granting it (or of the grant it already has).
3. Anything unusual in its state or audit trail: denials, crashes, refused loads, quarantine, unexpected callers.
4. A recommendation: keep as is, change the grants (say which), or disable it — and why.`;
  return {
    description: `Review of ${extension.name} ${extension.version}`,
    messages: [
      { role: 'user', content: { type: 'text', text } },
      {
        role: 'user',
        content: {
          type: 'resource_link',
          uri: extensionUri(extension.name),
          name: extension.name,
          mimeType: 'application/json',
          description: 'The full extension record, for follow-up questions',
        },
      },
    ],
  };
}
