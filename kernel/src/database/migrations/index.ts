import type { MigrationSet } from '../migrations.js';
import { foundation } from './0001_foundation.js';
import { auditAppend } from './0002_audit_append.js';

export const kernelMigrations: MigrationSet = {
  owner: 'kernel',
  migrations: [foundation, auditAppend],
};
