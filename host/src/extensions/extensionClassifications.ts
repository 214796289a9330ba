import type { Classification } from '@cinatra/kernel';

/**
 * Who may see and manage installed extensions: platform admins only. Extensions run code
 * with the permissions an admin grants them, so even listing them (requested permissions,
 * errors, settings) is an admin view; every management action is `admin` on the workspace.
 * Calling a contributed tool is open to any signed-in principal here; an API token can be
 * narrowed to one extension or one tool (`extension:call_tool:<package>[/<tool>]`).
 */
export const EXTENSION_CLASSIFICATIONS: Classification[] = [
  { resourceType: 'extension', action: 'list', level: 'admin', description: 'List installed extensions' },
  { resourceType: 'extension', action: 'read', level: 'admin', description: "Read an extension's state" },
  {
    resourceType: 'extension',
    action: 'call_tool',
    level: 'read',
    description:
      "Call an enabled extension's MCP tool (a token scope extension:call_tool:<package>[/<tool>] narrows it to one extension or tool)",
  },
  { resourceType: 'extension', action: 'install', level: 'admin', description: 'Install a signed package' },
  { resourceType: 'extension', action: 'enable', level: 'admin', description: 'Enable an extension' },
  { resourceType: 'extension', action: 'disable', level: 'admin', description: 'Disable an extension' },
  {
    resourceType: 'extension',
    action: 'reload',
    level: 'admin',
    description: 'Stop an extension and re-verify it before its next use',
  },
  {
    resourceType: 'extension',
    action: 'grant',
    level: 'admin',
    description: 'Grant or revoke permissions an extension requests',
  },
  {
    resourceType: 'extension',
    action: 'configure',
    level: 'admin',
    description: "Change an extension's settings",
  },
  {
    resourceType: 'extension',
    action: 'reset_quarantine',
    level: 'admin',
    description: 'Let a quarantined extension run again',
  },
];
