import type { Migration } from '../migrations.js';

/** Tables of the secrets service. */
export const secretsMigration: Migration = {
  name: '0006_secrets',
  async up() {},
  async down() {},
};
