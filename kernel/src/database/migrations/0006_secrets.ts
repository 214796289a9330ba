import type { Migration } from '../migrations.js';

/**
 * Encrypted secrets and the grants that let a principal reveal one. A secret is owned at
 * one tier (the `extension` tier is reserved for extension-owned secrets); its value is
 * AES-256-GCM ciphertext under the master key named by `key_id`, never plaintext.
 */
export const secretsMigration: Migration = {
  name: '0006_secrets',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE secrets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        owner_tier text NOT NULL
          CHECK (owner_tier IN ('user', 'team', 'organization', 'workspace', 'extension')),
        owner_user_id uuid REFERENCES users(id) ON DELETE CASCADE,
        owner_team_id uuid REFERENCES teams(id) ON DELETE CASCADE,
        organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        owner_extension_id text,
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        key_id text NOT NULL,
        nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL CHECK (octet_length(auth_tag) = 16),
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT secrets_owner_shape CHECK (
          (owner_tier = 'user' AND owner_user_id IS NOT NULL AND owner_team_id IS NULL
            AND organization_id IS NULL AND owner_extension_id IS NULL)
          OR (owner_tier = 'team' AND owner_team_id IS NOT NULL AND organization_id IS NOT NULL
            AND owner_user_id IS NULL AND owner_extension_id IS NULL)
          OR (owner_tier = 'organization' AND organization_id IS NOT NULL AND owner_user_id IS NULL
            AND owner_team_id IS NULL AND owner_extension_id IS NULL)
          OR (owner_tier = 'workspace' AND owner_user_id IS NULL AND owner_team_id IS NULL
            AND organization_id IS NULL AND owner_extension_id IS NULL)
          OR (owner_tier = 'extension' AND owner_extension_id IS NOT NULL AND owner_user_id IS NULL
            AND owner_team_id IS NULL)
        )
      );
      CREATE UNIQUE INDEX secrets_owner_name_unique ON secrets (
        owner_tier,
        coalesce(owner_user_id::text, owner_team_id::text, owner_extension_id, organization_id::text, ''),
        name
      );
      CREATE INDEX secrets_organization_idx ON secrets (organization_id);
      CREATE INDEX secrets_key_idx ON secrets (key_id);

      CREATE TABLE secret_grants (
        secret_id uuid NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
        grantee_type text NOT NULL CHECK (grantee_type IN ('user', 'service_account', 'extension')),
        grantee_id text NOT NULL,
        granted_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (secret_id, grantee_type, grantee_id)
      );
      CREATE INDEX secret_grants_grantee_idx ON secret_grants (grantee_type, grantee_id);
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS secret_grants, secrets CASCADE');
  },
};
