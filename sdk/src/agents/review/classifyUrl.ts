/**
 * Where a URL field sends a request, from the point of view of the instance running the agent.
 *
 * - `environment`: the origin is an all-caps placeholder (`{{CINATRA_BASE_URL}}/api/…`), filled
 *   from the instance's own configuration before the document is read;
 * - `relative` / `empty`: resolved against, or left to, the instance;
 * - `from_input`: the host is (or contains) a run-time placeholder such as `{{ target_url }}`;
 * - `loopback`: `localhost`, `*.localhost`, `127.0.0.0/8`, `::1`, `0.0.0.0` — never the same
 *   machine twice, so never portable, but not external either;
 * - `allowed`: on the allow-list; `external`: anywhere else; `invalid`: not a URL at all.
 */
export type UrlClass =
  | { kind: 'environment' | 'relative' | 'empty' | 'from_input' | 'invalid' }
  | { kind: 'loopback' | 'allowed' | 'external'; host: string };

const PLACEHOLDER = /\{\{[\s\S]*?\}\}|\$\{[^}]*\}/;
const ENVIRONMENT_ORIGIN = /^\s*\{\{\s*[A-Z][A-Z0-9_]*\s*\}\}/;
const AUTHORITY = /^(?:[a-z][a-z0-9+.-]*:)?\/\/([^/?#]*)/i;
const SCHEMELESS_AUTHORITY = /^([a-z0-9_-]+(?:\.[a-z0-9_-]+)*(?::[0-9]+)?)(?:[/?#]|$)/i;

/**
 * Allow-list entries are host names, matched case-insensitively and without the port; `*.example.com`
 * allows every subdomain of example.com (not example.com itself).
 */
export function classifyUrl(value: string, allowedHosts: readonly string[]): UrlClass {
  const url = value.trim();
  if (url === '') return { kind: 'empty' };
  if (ENVIRONMENT_ORIGIN.test(url)) return { kind: 'environment' };
  if (url.startsWith('{{') || url.startsWith('${')) return { kind: 'from_input' };
  if (url.startsWith('/') && !url.startsWith('//')) return { kind: 'relative' };
  // LLM and MCP configurations often write `host:port` without a scheme.
  const authority = AUTHORITY.exec(url)?.[1] ?? SCHEMELESS_AUTHORITY.exec(url)?.[1];
  if (authority === undefined) return { kind: 'invalid' };
  if (PLACEHOLDER.test(authority)) return { kind: 'from_input' };
  const host = hostOf(authority);
  if (host === '') return { kind: 'invalid' };
  if (isLoopback(host)) return { kind: 'loopback', host };
  return allowedHosts.some((entry) => hostMatches(host, entry))
    ? { kind: 'allowed', host }
    : { kind: 'external', host };
}

function hostOf(authority: string): string {
  const withoutUser = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
  if (withoutUser.startsWith('[')) return withoutUser.slice(1, withoutUser.indexOf(']'));
  return withoutUser.replace(/:[^:]*$/, '').replace(/\.$/, '');
}

function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === '::1' ||
    host === '0.0.0.0'
  );
}

function hostMatches(host: string, entry: string): boolean {
  const pattern = entry.trim().toLowerCase().replace(/\.$/, '');
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return host === pattern;
}
