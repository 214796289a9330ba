import type { Classification } from '@cinatra/kernel';

/** The resource type of packages in a Cinatra registry (token scope `registry_package:<level>`). */
export const REGISTRY_PACKAGE = 'registry_package';
/** The resource type of the instance's publish destinations (Administration → registries). */
export const REGISTRY_DESTINATION = 'registry_destination';

/**
 * Who may use the registry. Packages are workspace resources: reading the instance registry
 * is open to any signed-in principal of this instance (tokens need `registry_package:read`),
 * publishing to it needs `write` (platform admins; tokens `registry_package:write`), and the
 * marketplace catalogue, promotion and the destinations are Administration: `admin`.
 */
export const REGISTRY_CLASSIFICATIONS: Classification[] = [
  {
    resourceType: REGISTRY_PACKAGE,
    action: 'read',
    level: 'read',
    description: 'Read packages of the instance registry (npm install, fetch)',
  },
  {
    resourceType: REGISTRY_PACKAGE,
    action: 'publish',
    level: 'write',
    description: 'Publish a package version to the instance registry',
  },
  {
    resourceType: REGISTRY_PACKAGE,
    action: 'list',
    level: 'admin',
    description: 'Search and list the marketplace catalogue (instance and public registry)',
  },
  {
    resourceType: REGISTRY_PACKAGE,
    action: 'promote',
    level: 'admin',
    description: 'Promote a private package version to the public registry (one-way)',
  },
  {
    resourceType: REGISTRY_PACKAGE,
    action: 'demote',
    level: 'admin',
    description: 'Make a public package private again (always refused: promotion is one-way)',
  },
  {
    resourceType: REGISTRY_DESTINATION,
    action: 'read',
    level: 'admin',
    description: 'Read the configured publish destinations',
  },
  {
    resourceType: REGISTRY_DESTINATION,
    action: 'configure',
    level: 'admin',
    description: 'Set or clear the public registry destination',
  },
];
