import type { Migration } from '../migrations.js';

/**
 * Users, sessions, API tokens, organizations, teams and the append-only audit log.
 * The audit table refuses UPDATE, DELETE and TRUNCATE at the database level; the only
 * deletion path is retention, which must set `cinatra.audit_retention = 'on'` in its
 * transaction and records a checkpoint so the hash chain stays verifiable.
 */
export const foundation: Migration = {
  name: '0001_foundation',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        kind text NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'service_account')),
        platform_role text NOT NULL DEFAULT 'member' CHECK (platform_role IN ('platform_admin', 'member')),
        password_hash text,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

      CREATE TABLE sessions (
        id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        ip text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX sessions_user_idx ON sessions (user_id);

      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        token_prefix text NOT NULL,
        scopes text[] NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

      CREATE TABLE login_failures (
        key text NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX login_failures_key_idx ON login_failures (key, failed_at);

      CREATE TABLE setup_tokens (
        token_hash text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE organization_members (
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('org_owner', 'org_admin', 'member')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, user_id)
      );
      CREATE INDEX organization_members_user_idx ON organization_members (user_id);

      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        slug text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (organization_id, slug)
      );

      CREATE TABLE team_members (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('team_admin', 'member')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, user_id)
      );
      CREATE INDEX team_members_user_idx ON team_members (user_id);

      CREATE TABLE audit_events (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL,
        actor_id text,
        actor_type text NOT NULL,
        auth_source text NOT NULL,
        organization_id uuid,
        resource_type text NOT NULL,
        resource_id text,
        operation text NOT NULL,
        decision text CHECK (decision IN ('allow', 'deny')),
        reason text,
        request_id text,
        ip text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at);
      CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);
      CREATE INDEX audit_events_resource_idx ON audit_events (resource_type, resource_id, seq);
      CREATE INDEX audit_events_operation_idx ON audit_events (operation, seq);

      CREATE TABLE audit_checkpoints (
        id bigserial PRIMARY KEY,
        last_seq bigint NOT NULL,
        last_hash text NOT NULL,
        removed integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('cinatra.audit_retention', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END;
      $$;
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
    `);
  },
  async down(knex) {
    await knex.raw(`
      DROP TABLE IF EXISTS audit_checkpoints, audit_events, team_members, teams, organization_members,
        organizations, setup_tokens, login_failures, api_tokens, sessions, users CASCADE;
      DROP FUNCTION IF EXISTS audit_events_append_only();
    `);
  },
};
