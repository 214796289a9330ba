import type { Migration } from '../migrations.js';

/** Tables of the streams service. */
export const streamsMigration: Migration = {
  name: '0004_streams',
  async up() {},
  async down() {},
};
