import type { Migration } from '@cinatra/kernel';

/**
 * `extensions.connector_setups`: connector id → the values a platform admin set the connector
 * up with, checked against the connector's `setupSchema` when saved (see
 * `ExtensionManager.setConnectorSetup`). A connector never set up has no key. Credentials are
 * never stored here: a secret field holds the name of a kernel secret.
 */
export const connectorSetupsMigration: Migration = {
  name: '0005_connector_setups',
  async up(knex) {
    await knex.raw(`ALTER TABLE extensions ADD COLUMN connector_setups jsonb NOT NULL DEFAULT '{}'::jsonb`);
  },
  async down(knex) {
    await knex.raw('ALTER TABLE extensions DROP COLUMN IF EXISTS connector_setups');
  },
};
