import type { Migration } from '../migrations.js';

/** Tables of the notifications service. */
export const notificationsMigration: Migration = {
  name: '0005_notifications',
  async up() {},
  async down() {},
};
