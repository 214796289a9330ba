import type { Migration } from '@cinatra/kernel';

/**
 * Registry settings and the promotion ledger. `registry_destinations` holds the public
 * registry this instance publishes to (one row, `kind = 'public'`): its URL and the kernel
 * secret holding the token (the value stays encrypted in `secrets`). `registry_promotions`
 * records every version promoted private → public; rows are never updated or deleted, which
 * is what makes promotion one-way on this side (the public registry refuses unpublish).
 */
export const registryMigration: Migration = {
  name: '0003_registry',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE registry_destinations (
        kind text PRIMARY KEY CHECK (kind IN ('public')),
        url text NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
        token_secret_id uuid REFERENCES secrets (id) ON DELETE RESTRICT,
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE registry_promotions (
        name text NOT NULL,
        version text NOT NULL,
        destination_url text NOT NULL,
        integrity text NOT NULL,
        promoted_by text,
        promoted_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version, destination_url)
      );
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS registry_promotions, registry_destinations');
  },
};
