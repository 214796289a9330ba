import { createHash } from 'node:crypto';
import { PRIMITIVE_NAME_PATTERN } from '@cinatra/kernel';

const LEGAL = new RegExp(PRIMITIVE_NAME_PATTERN);
const MAX_LENGTH = 128;

/**
 * The MCP tool-name prefix of an extension package: `@acme/crm-connector` → `acme_crm-connector`.
 * npm names are lowercase letters, digits and `-._~` with an optional `@scope/`; MCP names
 * allow `A-Za-z0-9._-`, so the `@` goes, the scope's `/` becomes `_`, and anything else
 * outside the MCP set (`~`) becomes `_`. The mapping is not one-to-one (`@a/b` and `a_b` give
 * the same prefix); the gateway detects the resulting collisions (see `McpGateway`).
 */
export function extensionToolPrefix(packageName: string): string {
  return packageName
    .replace(/^@/, '')
    .replace('/', '_')
    .replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * The MCP name of tool `tool` of extension `packageName`: `<prefix>.<tool>`, always matching
 * `^[A-Za-z0-9._-]{1,128}$`. Manifest tool names are `^[a-zA-Z0-9_-]{1,64}$` (no dot), so the
 * last dot separates package and tool. A prefix too long for the limit is cut and ends in
 * eight hex digits of the package name's SHA-256, so it stays stable and distinct.
 */
export function extensionToolName(packageName: string, tool: string): string {
  let prefix = extensionToolPrefix(packageName);
  const room = MAX_LENGTH - tool.length - 1;
  if (prefix.length > room) {
    const digest = createHash('sha256').update(packageName).digest('hex').slice(0, 8);
    prefix = `${prefix.slice(0, room - digest.length - 1)}-${digest}`;
  }
  const name = `${prefix}.${tool}`;
  if (!LEGAL.test(name)) throw new Error(`Tool ${tool} of ${packageName} has no legal MCP name (${name}).`);
  return name;
}
