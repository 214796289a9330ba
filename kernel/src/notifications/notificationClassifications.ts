import type { Classification } from '../authz/ClassificationRegistry.js';

/**
 * A notification belongs to the user it was sent to, and only that user may read or mark
 * it (API tokens need `notification:read` / `notification:write`).
 */
export const NOTIFICATION_CLASSIFICATIONS: Classification[] = [
  {
    resourceType: 'notification',
    action: 'list',
    level: 'read',
    ownerOnly: true,
    description: 'List and stream your own notifications',
  },
  {
    resourceType: 'notification',
    action: 'update',
    level: 'write',
    ownerOnly: true,
    description: 'Mark your own notifications read',
  },
];
