import type { Migration } from '../migrations.js';

/**
 * LLM metering and settings (see `kernel/src/llm/README.md`).
 *
 * - `llm_usage_events`: one row per vendor request (every attempt, failures too), with tokens,
 *   latency, cost priced when it was made, and who/what it was for. Ids are UUIDv7 made by the
 *   kernel, like audit event ids, so rows sort by time. No foreign keys: usage history outlives
 *   the organizations, agents and runs it names.
 * - `llm_model_prices`: USD per million tokens by provider and model. `model = '*'` prices every
 *   model of a provider without a row of its own. Rows seeded here are `source = 'builtin'`;
 *   an administrator's change makes a row `admin`.
 * - `llm_budgets`: a spending limit per organization and period (UTC day or month).
 * - `llm_settings`: one row — the instance's default and fallback model, retry policy and
 *   skill judge. Provider and model choice is configuration, not code.
 */
export const llmMigration: Migration = {
  name: '0007_llm',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE llm_usage_events (
        id uuid PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        provider text NOT NULL,
        model text NOT NULL,
        response_model text,
        input_tokens integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
        output_tokens integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
        cached_input_tokens integer NOT NULL DEFAULT 0 CHECK (cached_input_tokens >= 0),
        reasoning_tokens integer NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
        latency_ms integer NOT NULL CHECK (latency_ms >= 0),
        cost_usd numeric(20, 10) NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('ok', 'error')),
        error_kind text,
        agent_id text,
        run_id text,
        provider_extension text,
        caller_extension text,
        actor_id text,
        actor_type text NOT NULL,
        organization_id uuid,
        trace_id text NOT NULL,
        attempt integer NOT NULL CHECK (attempt >= 1),
        skills jsonb NOT NULL DEFAULT '[]'::jsonb,
        CONSTRAINT llm_usage_events_error_kind CHECK ((status = 'error') = (error_kind IS NOT NULL))
      );
      CREATE INDEX llm_usage_events_occurred_idx ON llm_usage_events (occurred_at);
      CREATE INDEX llm_usage_events_org_idx ON llm_usage_events (organization_id, occurred_at)
        WHERE organization_id IS NOT NULL;
      CREATE INDEX llm_usage_events_trace_idx ON llm_usage_events (trace_id);

      CREATE TABLE llm_model_prices (
        provider text NOT NULL,
        model text NOT NULL,
        input_per_mtok numeric(14, 6) NOT NULL CHECK (input_per_mtok >= 0),
        cached_input_per_mtok numeric(14, 6) CHECK (cached_input_per_mtok >= 0),
        output_per_mtok numeric(14, 6) NOT NULL CHECK (output_per_mtok >= 0),
        source text NOT NULL CHECK (source IN ('builtin', 'admin')),
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, model)
      );

      CREATE TABLE llm_budgets (
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        period text NOT NULL CHECK (period IN ('day', 'month')),
        limit_usd numeric(14, 4) NOT NULL CHECK (limit_usd >= 0),
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, period)
      );

      CREATE TABLE llm_settings (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        default_provider text,
        default_model text,
        fallback_provider text,
        fallback_model text,
        max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
        attempt_timeout_ms integer NOT NULL DEFAULT 120000
          CHECK (attempt_timeout_ms BETWEEN 1000 AND 3600000),
        skill_judge_provider text,
        skill_judge_model text,
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT llm_settings_default_pair CHECK ((default_provider IS NULL) = (default_model IS NULL)),
        CONSTRAINT llm_settings_fallback_pair CHECK ((fallback_provider IS NULL) = (fallback_model IS NULL)),
        CONSTRAINT llm_settings_judge_pair CHECK ((skill_judge_provider IS NULL) = (skill_judge_model IS NULL))
      );
      INSERT INTO llm_settings (id) VALUES (true);
    `);
    await knex('llm_model_prices').insert(
      BUILTIN_PRICES.map(([provider, model, input, cached, output]) => ({
        provider,
        model,
        input_per_mtok: input,
        cached_input_per_mtok: cached,
        output_per_mtok: output,
        source: 'builtin',
      })),
    );
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS llm_settings, llm_budgets, llm_model_prices, llm_usage_events');
  },
};

/**
 * The vendors' list prices (USD per million tokens: input, cached input, output) for standard
 * requests of up to 200k context, as published when this migration was written. Long-context
 * surcharges, batch discounts and cache-write premiums are not modelled. Administrators correct
 * or add rows (`LlmPriceTable.upsert`); this list is never applied again.
 */
const BUILTIN_PRICES: ReadonlyArray<[string, string, number, number | null, number]> = [
  ['openai', 'gpt-5.5', 5, 0.5, 30],
  ['openai', 'gpt-5.4', 2.5, 0.25, 15],
  ['openai', 'gpt-5.4-mini', 0.75, 0.075, 4.5],
  ['openai', 'gpt-5.4-nano', 0.2, 0.02, 1.25],
  ['openai', 'gpt-5.2', 1.75, 0.175, 14],
  ['openai', 'gpt-5.1', 1.25, 0.125, 10],
  ['openai', 'gpt-5', 1.25, 0.125, 10],
  ['openai', 'gpt-5-mini', 0.25, 0.025, 2],
  ['openai', 'gpt-5-nano', 0.05, 0.005, 0.4],
  ['openai', 'gpt-4.1', 2, 0.5, 8],
  ['openai', 'gpt-4.1-mini', 0.4, 0.1, 1.6],
  ['openai', 'gpt-4o', 2.5, 1.25, 10],
  ['openai', 'gpt-4o-mini', 0.15, 0.075, 0.6],
  ['anthropic', 'claude-opus-4-6', 5, 0.5, 25],
  ['anthropic', 'claude-sonnet-4-6', 3, 0.3, 15],
  ['anthropic', 'claude-opus-4-5', 5, 0.5, 25],
  ['anthropic', 'claude-sonnet-4-5', 3, 0.3, 15],
  ['anthropic', 'claude-haiku-4-5', 1, 0.1, 5],
  ['anthropic', 'claude-opus-4-1', 15, 1.5, 75],
  ['anthropic', 'claude-sonnet-4', 3, 0.3, 15],
  ['gemini', 'gemini-3.1-pro-preview', 2, 0.2, 12],
  ['gemini', 'gemini-3-pro-preview', 2, 0.2, 12],
  ['gemini', 'gemini-3-flash-preview', 0.5, 0.05, 3],
  ['gemini', 'gemini-2.5-pro', 1.25, 0.125, 10],
  ['gemini', 'gemini-2.5-flash', 0.3, 0.03, 2.5],
  ['gemini', 'gemini-2.5-flash-lite', 0.1, 0.01, 0.4],
  // The scripted provider (tests, demos) answers from a script: free, whatever the model id.
  ['scripted', '*', 0, 0, 0],
];
