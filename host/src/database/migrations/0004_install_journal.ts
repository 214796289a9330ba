import type { Migration } from '@cinatra/kernel';

/**
 * The install pipeline's journal (`host/src/extensions/install/`). One row in
 * `extension_operations` per lifecycle operation (install, update, archive, restore,
 * uninstall): which extension, from and to which version, where it is (`stage`), how it ended
 * (`status`), the permissions it asks an admin to approve and where its staged files are. One
 * row in `extension_operation_stages` per stage it entered, with its outcome: what an admin
 * reads to see why an install stopped, and what the next start reads to recover an operation
 * the process did not finish (`status = 'running'`).
 *
 * Also adds the lifecycle state `archived` to `extensions.state` (stopped, settings, grants
 * and data kept, not enabled until restored).
 */
export const installJournalMigration: Migration = {
  name: '0004_install_journal',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE extension_operations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('install', 'update', 'archive', 'restore', 'uninstall')),
        extension text NOT NULL,
        from_version text,
        to_version text,
        stage text NOT NULL,
        status text NOT NULL
          CHECK (status IN ('running', 'pending_consent', 'succeeded', 'failed', 'rolled_back')),
        error jsonb,
        requested_permissions jsonb NOT NULL DEFAULT '[]'::jsonb,
        added_permissions jsonb NOT NULL DEFAULT '[]'::jsonb,
        staging_dir text,
        source text,
        actor_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX extension_operations_extension ON extension_operations (extension, created_at DESC);
      CREATE INDEX extension_operations_open ON extension_operations (status)
        WHERE status IN ('running', 'pending_consent');
      CREATE TABLE extension_operation_stages (
        id bigserial PRIMARY KEY,
        operation_id uuid NOT NULL REFERENCES extension_operations (id) ON DELETE CASCADE,
        stage text NOT NULL,
        status text NOT NULL CHECK (status IN ('started', 'succeeded', 'failed', 'rolled_back', 'recovered')),
        error jsonb,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX extension_operation_stages_operation ON extension_operation_stages (operation_id, id);
      ALTER TABLE extensions DROP CONSTRAINT IF EXISTS extensions_state_check;
      ALTER TABLE extensions ADD CONSTRAINT extensions_state_check
        CHECK (state IN ('installed', 'active', 'inactive', 'disabled', 'quarantined', 'failed', 'archived'));
    `);
  },
  async down(knex) {
    await knex.raw(`
      DROP TABLE IF EXISTS extension_operation_stages;
      DROP TABLE IF EXISTS extension_operations;
      UPDATE extensions SET state = 'disabled' WHERE state = 'archived';
      ALTER TABLE extensions DROP CONSTRAINT IF EXISTS extensions_state_check;
      ALTER TABLE extensions ADD CONSTRAINT extensions_state_check
        CHECK (state IN ('installed', 'active', 'inactive', 'disabled', 'quarantined', 'failed'));
    `);
  },
};
