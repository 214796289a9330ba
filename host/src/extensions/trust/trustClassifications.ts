import type { Classification } from '@cinatra/kernel';

/**
 * Who may change what this instance trusts: platform admins only (every rule is `admin` on
 * the workspace). A key in the trust store decides which code may run here at all, so even
 * listing keys is an admin view.
 */
export const TRUST_CLASSIFICATIONS: Classification[] = [
  {
    resourceType: 'trust_key',
    action: 'list',
    level: 'admin',
    description: 'List trusted publisher keys and revocations',
  },
  { resourceType: 'trust_key', action: 'add', level: 'admin', description: 'Trust a publisher signing key' },
  {
    resourceType: 'trust_key',
    action: 'revoke',
    level: 'admin',
    description: 'Revoke a publisher signing key',
  },
  {
    resourceType: 'extension_version',
    action: 'revoke',
    level: 'admin',
    description: 'Revoke one version of an extension package so it never loads again',
  },
];
