import type { Migration } from '@cinatra/kernel';

/**
 * One row per installed extension package: which version is current, whether an admin
 * enabled it, what it may do (`granted_permissions`: the admin's approvals, always a subset
 * of what the manifest requests) and its settings. `state` is the supervisor's view
 * (see `ExtensionState`); `crash_times` holds the crashes of the last minutes that count
 * towards quarantine. The id is what the HTTP API addresses an extension by (package names
 * contain `@` and `/`).
 */
export const extensionsMigration: Migration = {
  name: '0002_extensions',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE extensions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        version text NOT NULL,
        enabled boolean NOT NULL DEFAULT false,
        state text NOT NULL DEFAULT 'installed'
          CHECK (state IN ('installed', 'active', 'inactive', 'disabled', 'quarantined', 'failed')),
        granted_permissions jsonb NOT NULL DEFAULT '[]'::jsonb,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        crash_times jsonb NOT NULL DEFAULT '[]'::jsonb,
        quarantined_at timestamptz,
        last_error jsonb,
        installed_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS extensions');
  },
};
