import type { Classification } from '../authz/ClassificationRegistry.js';

/**
 * Who may manage secrets, by the owner scope's roles. None of these reveals a value:
 * `SecretStore.reveal` needs an explicit grant to the caller, whatever their role.
 */
export const SECRET_CLASSIFICATIONS: Classification[] = [
  { resourceType: 'secret', action: 'list', level: 'read', description: 'List secrets (metadata only)' },
  { resourceType: 'secret', action: 'read', level: 'read', description: "Read a secret's metadata" },
  { resourceType: 'secret', action: 'create', level: 'write', description: 'Create a secret' },
  { resourceType: 'secret', action: 'update', level: 'write', description: "Replace a secret's value" },
  { resourceType: 'secret', action: 'delete', level: 'admin', description: 'Delete a secret' },
  {
    resourceType: 'secret',
    action: 'list_grants',
    level: 'read',
    description: 'List who may reveal a secret',
  },
  {
    resourceType: 'secret',
    action: 'grant',
    level: 'admin',
    description: 'Grant or revoke the right to reveal a secret',
  },
  {
    resourceType: 'secret',
    action: 'rotate_key',
    level: 'owner',
    description: 'Re-encrypt every secret under a new master key',
  },
];
