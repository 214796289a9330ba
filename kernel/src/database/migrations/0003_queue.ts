import type { Migration } from '../migrations.js';

/** Tables of the queue service. */
export const queueMigration: Migration = {
  name: '0003_queue',
  async up() {},
  async down() {},
};
