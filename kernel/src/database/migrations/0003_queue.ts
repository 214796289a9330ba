import type { Migration } from '../migrations.js';

/**
 * Tables of the Postgres queue driver (the embedded default; with Redis, BullMQ keeps
 * jobs in Redis instead). A job is claimed with `FOR UPDATE SKIP LOCKED` and held by a
 * lease: a worker that dies stops renewing it, and once it expires another worker takes
 * the job over. A schedule fires each cron time once because the fired job's id is
 * `repeat:<schedule>:<fire time>`, unique within its queue.
 */
export const queueMigration: Migration = {
  name: '0003_queue',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE queue_jobs (
        queue text NOT NULL,
        id text NOT NULL,
        seq bigserial NOT NULL,
        state text NOT NULL DEFAULT 'waiting'
          CHECK (state IN ('waiting', 'active', 'completed', 'dead', 'cancelled')),
        payload jsonb NOT NULL,
        scope jsonb NOT NULL,
        priority integer NOT NULL DEFAULT 0,
        run_at timestamptz NOT NULL DEFAULT now(),
        attempts_made integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        backoff jsonb NOT NULL,
        lease_owner text,
        lease_expires_at timestamptz,
        cancel_requested boolean NOT NULL DEFAULT false,
        progress jsonb,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (queue, id)
      );
      CREATE INDEX queue_jobs_ready_idx ON queue_jobs (queue, priority, run_at, seq) WHERE state = 'waiting';
      CREATE INDEX queue_jobs_lease_idx ON queue_jobs (queue, lease_expires_at) WHERE state = 'active';

      CREATE TABLE queue_schedules (
        queue text NOT NULL,
        id text NOT NULL,
        cron text NOT NULL,
        tz text,
        payload jsonb NOT NULL,
        scope jsonb NOT NULL,
        max_attempts integer NOT NULL,
        backoff jsonb NOT NULL,
        next_fire_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (queue, id)
      );
      CREATE INDEX queue_schedules_due_idx ON queue_schedules (next_fire_at);
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS queue_schedules, queue_jobs');
  },
};
