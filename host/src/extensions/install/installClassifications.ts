import type { Classification } from '@cinatra/kernel';

/**
 * The install pipeline's actions: platform admins only. Installing or updating runs new code
 * with the permissions approved along with it; archive, restore and uninstall change what
 * runs; the journal shows requested permissions and failures.
 */
export const INSTALL_CLASSIFICATIONS: Classification[] = [
  {
    resourceType: 'extension',
    action: 'update',
    level: 'admin',
    description: 'Update an extension to another version',
  },
  {
    resourceType: 'extension',
    action: 'approve',
    level: 'admin',
    description: 'Approve the permissions an install or update held for consent requests',
  },
  { resourceType: 'extension', action: 'archive', level: 'admin', description: 'Archive (stop, keep data)' },
  {
    resourceType: 'extension',
    action: 'restore',
    level: 'admin',
    description: 'Restore an archived extension',
  },
  {
    resourceType: 'extension',
    action: 'uninstall',
    level: 'admin',
    description: "Remove an extension's code (and optionally its data)",
  },
  {
    resourceType: 'extension',
    action: 'list_operations',
    level: 'admin',
    description: 'Read the install journal',
  },
];
