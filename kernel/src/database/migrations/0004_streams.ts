import type { Migration } from '../migrations.js';

/** Raised by `cinatra_stream_append` for an append to a stream whose terminal event was sent. */
export const STREAM_TERMINATED_MESSAGE = 'cinatra_stream_terminated';

/** The notification channel every append wakes (payload: the stream key). */
export const STREAMS_CHANNEL = 'cinatra_streams';

/**
 * Event streams of the Postgres driver. `stream_heads` holds one row per stream key: its
 * last id and, once the terminal event is appended, when it expires. Appends lock that
 * row, so they are serialised per key and commit in id order: a reader that sees id n
 * has every id below n visible too (no gaps to wait for). `cinatra_stream_append` does
 * the whole append (id, insert, trim, expiry, wake-up) in one round trip.
 */
export const streamsMigration: Migration = {
  name: '0004_streams',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE stream_heads (
        key text PRIMARY KEY,
        last_id bigint NOT NULL,
        expires_at timestamptz
      );
      CREATE INDEX stream_heads_expiry_idx ON stream_heads (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE stream_events (
        key text NOT NULL,
        id bigint NOT NULL,
        data json NOT NULL,
        terminal boolean NOT NULL DEFAULT false,
        PRIMARY KEY (key, id)
      );

      CREATE FUNCTION cinatra_stream_append(
        p_key text, p_data json, p_terminal boolean, p_max_length bigint, p_ttl_seconds integer
      ) RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        v_id bigint;
        v_expires timestamptz;
      BEGIN
        -- A new stream's ids start at its creation time in microseconds, so a key used again
        -- after its old stream was swept still gets ids above every id the old one had
        -- (one key cannot take an append per microsecond: its appends are serialised).
        INSERT INTO stream_heads AS h (key, last_id)
          VALUES (p_key, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
          ON CONFLICT (key) DO UPDATE SET last_id = h.last_id + 1
          RETURNING h.last_id, h.expires_at INTO v_id, v_expires;
        IF v_expires IS NOT NULL THEN
          IF v_expires > clock_timestamp() THEN
            RAISE EXCEPTION '${STREAM_TERMINATED_MESSAGE}';
          END IF;
          -- The old stream expired but was not swept yet: start over, ids keep increasing.
          DELETE FROM stream_events WHERE key = p_key;
          UPDATE stream_heads SET expires_at = NULL WHERE key = p_key;
        END IF;
        INSERT INTO stream_events (key, id, data, terminal) VALUES (p_key, v_id, p_data, p_terminal);
        DELETE FROM stream_events WHERE key = p_key AND id <= v_id - p_max_length;
        IF p_terminal THEN
          UPDATE stream_heads SET expires_at = clock_timestamp() + make_interval(secs => p_ttl_seconds)
            WHERE key = p_key;
        END IF;
        PERFORM pg_notify('${STREAMS_CHANNEL}', p_key);
        RETURN v_id;
      END
      $$;
    `);
  },
  async down(knex) {
    await knex.raw(`
      DROP FUNCTION IF EXISTS cinatra_stream_append(text, json, boolean, bigint, integer);
      DROP TABLE IF EXISTS stream_events;
      DROP TABLE IF EXISTS stream_heads;
    `);
  },
};
