import type { MigrationSet } from '../migrations.js';
import { foundation } from './0001_foundation.js';

export const kernelMigrations: MigrationSet = {
  owner: 'kernel',
  migrations: [foundation],
};
