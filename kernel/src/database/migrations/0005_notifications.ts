import type { Migration } from '../migrations.js';

/**
 * The per-user notification feed.
 *
 * `change_seq` comes from one sequence and is set again on every insert and update: it is
 * the SSE event id, so a client resuming with `Last-Event-ID` re-reads every row of its own
 * that changed since. Writers take a per-user advisory lock first (see
 * `NotificationService`), so one user's change numbers commit in order and a reader never
 * skips a number that commits late.
 *
 * At most one unread row per (user, dedupe key): notifying again with the key updates that
 * row in place (an "in progress" row becomes "done"); once read, the next notification with
 * the key starts a new row.
 */
export const notificationsMigration: Migration = {
  name: '0005_notifications',
  async up(knex) {
    await knex.raw(`
      CREATE SEQUENCE notification_change_seq AS bigint;

      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Creation order: the feed lists newest first and pages by it.
        seq bigint GENERATED ALWAYS AS IDENTITY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        level text NOT NULL CHECK (level IN ('info', 'success', 'warning', 'error')),
        title text NOT NULL,
        body text,
        link text,
        dedupe_key text,
        in_progress boolean NOT NULL DEFAULT false,
        read_at timestamptz,
        change_seq bigint NOT NULL DEFAULT nextval('notification_change_seq'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER SEQUENCE notification_change_seq OWNED BY notifications.change_seq;

      CREATE UNIQUE INDEX notifications_unread_dedupe ON notifications (user_id, dedupe_key)
        WHERE read_at IS NULL AND dedupe_key IS NOT NULL;
      CREATE INDEX notifications_feed_idx ON notifications (user_id, seq DESC);
      CREATE INDEX notifications_unread_idx ON notifications (user_id, seq DESC) WHERE read_at IS NULL;
      CREATE INDEX notifications_changes_idx ON notifications (user_id, change_seq);
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS notifications; DROP SEQUENCE IF EXISTS notification_change_seq;');
  },
};
