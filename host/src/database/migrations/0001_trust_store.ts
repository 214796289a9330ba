import type { Migration } from '@cinatra/kernel';

/**
 * The instance trust store: publisher signing keys with their tier, and the revocation list
 * (keys are revoked in place, never deleted, so the audit trail and `list` keep showing who
 * revoked what and why; specific versions are revoked by name and version).
 */
export const trustStoreMigration: Migration = {
  name: '0001_trust_store',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE trust_keys (
        key_id text PRIMARY KEY CHECK (key_id ~ '^sha256:[0-9a-f]{64}$'),
        publisher text NOT NULL,
        tier text NOT NULL CHECK (tier IN ('first-party', 'partner', 'community', 'private')),
        public_key_pem text NOT NULL,
        added_by text,
        added_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_by text,
        revoked_reason text,
        CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
      );
      CREATE INDEX trust_keys_publisher_idx ON trust_keys (publisher);

      CREATE TABLE trust_revoked_versions (
        name text NOT NULL,
        version text NOT NULL,
        reason text NOT NULL,
        revoked_by text,
        revoked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version)
      );
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS trust_revoked_versions, trust_keys');
  },
};
