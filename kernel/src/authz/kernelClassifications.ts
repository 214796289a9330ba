import type { Classification } from './ClassificationRegistry.js';

/** Who may do what with the kernel's own resources. Extensions register theirs the same way. */
export const KERNEL_CLASSIFICATIONS: Classification[] = [
  { resourceType: 'user', action: 'list', level: 'admin', description: 'List every user of the instance' },
  { resourceType: 'user', action: 'create', level: 'admin', description: 'Create a user or service account' },
  { resourceType: 'user', action: 'read', level: 'read', description: 'Read a user profile' },
  { resourceType: 'user', action: 'update', level: 'write', description: 'Change display name or password' },
  {
    resourceType: 'user',
    action: 'admin',
    level: 'admin',
    description: 'Change platform role or disable a user',
  },

  {
    resourceType: 'organization',
    action: 'list',
    level: 'read',
    description: 'List organizations visible to the caller',
  },
  { resourceType: 'organization', action: 'create', level: 'admin', description: 'Create an organization' },
  { resourceType: 'organization', action: 'read', level: 'read', description: 'Read an organization' },
  { resourceType: 'organization', action: 'update', level: 'admin', description: 'Rename an organization' },
  { resourceType: 'organization', action: 'delete', level: 'owner', description: 'Delete an organization' },
  {
    resourceType: 'organization_member',
    action: 'list',
    level: 'read',
    description: 'List organization members',
  },
  {
    resourceType: 'organization_member',
    action: 'update',
    level: 'admin',
    description: 'Add, change or remove organization members',
  },
  {
    resourceType: 'organization_member',
    action: 'owner',
    level: 'owner',
    description: 'Grant the org_owner role, or change or remove an org_owner',
  },

  { resourceType: 'team', action: 'list', level: 'read', description: 'List teams of an organization' },
  { resourceType: 'team', action: 'create', level: 'admin', description: 'Create a team in an organization' },
  { resourceType: 'team', action: 'read', level: 'read', description: 'Read a team' },
  { resourceType: 'team', action: 'update', level: 'admin', description: 'Rename a team' },
  { resourceType: 'team', action: 'delete', level: 'owner', description: 'Delete a team' },
  { resourceType: 'team_member', action: 'list', level: 'read', description: 'List team members' },
  {
    resourceType: 'team_member',
    action: 'update',
    level: 'admin',
    description: 'Add, change or remove team members',
  },

  { resourceType: 'api_token', action: 'list', level: 'read', description: "List a user's API tokens" },
  {
    resourceType: 'api_token',
    action: 'create',
    level: 'write',
    description: 'Create an API token for a user',
  },
  { resourceType: 'api_token', action: 'revoke', level: 'write', description: 'Revoke an API token' },

  {
    resourceType: 'audit_event',
    action: 'list',
    level: 'admin',
    description: 'Query and export the audit log',
  },
  {
    resourceType: 'audit_event',
    action: 'verify',
    level: 'admin',
    description: 'Verify the audit hash chain',
  },
];
