import { Type, type TSchema } from 'typebox';
import { LLM_FUNCTION_NAME_PATTERN, PRIMITIVE_NAME_PATTERN, SKILL_NAME_PATTERN } from '@cinatra/kernel';

/**
 * The JSON schemas of the LLM orchestration's HTTP routes and primitives (one declaration for
 * both). Views carry an `$id` for the OpenAPI components; primitives inline their properties.
 */

const Strict = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description === undefined ? {} : { description });
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });

/** Provider and model ids as the kernel accepts them (model ids may hold dots, colons and slashes). */
export const LLM_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$';
export const ProviderId = Type.String({ pattern: LLM_ID_PATTERN, description: 'e.g. openai' });
export const ModelId = Type.String({ pattern: LLM_ID_PATTERN, description: 'e.g. gpt-5.4' });

export const LlmTarget = Type.Object({ provider: ProviderId, model: ModelId }, Strict);

export const LlmProviderView = Type.Object(
  {
    id: Type.String(),
    displayName: Type.String(),
    extension: Nullable(Type.String({ description: 'The extension package serving it' })),
    models: Type.Array(Type.String(), { description: 'Declared model ids; empty when it accepts any' }),
  },
  { $id: 'LlmProvider', title: 'LlmProvider' },
);

export const LlmSettingsView = Type.Object(
  {
    defaultTarget: Nullable(LlmTarget),
    fallback: Nullable(LlmTarget),
    maxAttempts: Type.Integer({ description: 'Vendor requests per target, first one included' }),
    attemptTimeoutMs: Type.Integer({ description: 'Time one vendor request may take' }),
    skillJudge: Nullable(LlmTarget),
    updatedBy: Nullable(Type.String()),
    updatedAt: DateTime,
  },
  { $id: 'LlmSettings', title: 'LlmSettings' },
);

export const LlmSettingsPatch = Type.Object(
  {
    defaultTarget: Type.Optional(
      Nullable(LlmTarget, 'Provider and model of calls that name none and whose agent prefers none'),
    ),
    fallback: Type.Optional(
      Nullable(LlmTarget, 'Used once the chosen target keeps failing with a retryable error'),
    ),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    attemptTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
    skillJudge: Type.Optional(Nullable(LlmTarget, 'The model choosing the skills that ask for `llm`')),
  },
  { ...Strict, description: 'Omitted fields stay; null clears a target' },
);

const UsdPerMTok = Type.Number({ minimum: 0, maximum: 1e6, description: 'USD per million tokens' });

export const LlmModelPriceView = Type.Object(
  {
    provider: Type.String(),
    model: Type.String({
      description: 'A model id, or * for every model of the provider without its own row',
    }),
    inputPerMTok: Type.Number(),
    cachedInputPerMTok: Nullable(Type.Number({ description: 'null: cached input costs the input price' })),
    outputPerMTok: Type.Number({ description: 'Output tokens, reasoning included' }),
    source: Type.Union([Type.Literal('builtin'), Type.Literal('admin')]),
    updatedBy: Nullable(Type.String()),
    updatedAt: DateTime,
  },
  { $id: 'LlmModelPrice', title: 'LlmModelPrice' },
);

export const LlmModelPriceInput = Type.Object(
  {
    provider: ProviderId,
    model: Type.String({
      pattern: '^(?:[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}|\\*)$',
      description: 'A model id, or * for every model of the provider without its own row',
    }),
    inputPerMTok: UsdPerMTok,
    cachedInputPerMTok: Type.Optional(Nullable(UsdPerMTok)),
    outputPerMTok: UsdPerMTok,
  },
  Strict,
);

export const BudgetPeriod = Type.Union([Type.Literal('day'), Type.Literal('month')], {
  description: 'day: since midnight UTC; month: since the first of the month (UTC)',
});

export const LlmBudgetView = Type.Object(
  {
    organizationId: Uuid,
    period: BudgetPeriod,
    limitUsd: Type.Number(),
    spentUsd: Type.Number({ description: "Cost of the organization's calls since periodStart" }),
    periodStart: DateTime,
    updatedBy: Nullable(Type.String()),
    updatedAt: DateTime,
  },
  { $id: 'LlmBudget', title: 'LlmBudget' },
);

export const LimitUsd = Type.Number({ minimum: 0, maximum: 9_999_999_999, description: 'USD' });

export const UsageGroupBy = Type.Union(
  [Type.Literal('provider'), Type.Literal('model'), Type.Literal('agent'), Type.Literal('day')],
  { description: 'Group key: provider; provider/model; agent id (null: no agent); UTC day YYYY-MM-DD' },
);

const DateOrDateTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.String({ format: 'date' })], { description });

export const UsageSummaryQuery = Type.Object(
  {
    from: Type.Optional(
      DateOrDateTime('Inclusive start (a date is midnight UTC); default 30 days before to'),
    ),
    to: Type.Optional(DateOrDateTime('Exclusive end; default now')),
    groupBy: UsageGroupBy,
    organizationId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: "Only calls billed to this organization (its admins may ask); omitted: the instance's",
      }),
    ),
  },
  Strict,
);

const UsageTotals = {
  calls: Type.Integer({ description: 'Vendor requests, failed ones and retries included' }),
  errors: Type.Integer(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  cachedInputTokens: Type.Integer(),
  reasoningTokens: Type.Integer(),
  costUsd: Type.Number(),
};

export const LlmUsageSummaryView = Type.Object(
  {
    from: DateTime,
    to: DateTime,
    groupBy: UsageGroupBy,
    organizationId: Nullable(Uuid),
    rows: Type.Array(Type.Object({ key: Nullable(Type.String()), ...UsageTotals })),
    total: Type.Object(UsageTotals),
  },
  { $id: 'LlmUsageSummary', title: 'LlmUsageSummary' },
);

const SkillClause = Type.Union([
  Type.Literal('always'),
  Type.Literal('llm'),
  Type.Object({ agentId: Type.Array(Type.String()) }),
  Type.Object({ agentHasTag: Type.Array(Type.String()) }),
]);

export const SkillView = Type.Object(
  {
    name: Type.String({ pattern: SKILL_NAME_PATTERN }),
    description: Type.String(),
    matchWhen: Type.Array(SkillClause, { description: 'The match_when clauses; any one selects the skill' }),
    source: Type.String({ description: 'directory, or the extension package that contributes it' }),
    path: Type.Optional(
      Type.String({ description: 'The file (directory skills) or the path in the package' }),
    ),
    body: Type.String({ description: 'The instructions injected into system prompts' }),
  },
  { $id: 'Skill', title: 'Skill' },
);

export const SkillProblemView = Type.Object(
  {
    source: Type.String({ description: 'directory, or the extension package' }),
    path: Type.String(),
    message: Type.String(),
  },
  { $id: 'SkillProblem', title: 'SkillProblem' },
);

// --- model calls --------------------------------------------------------------------------

const ToolCall = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'MCP name for MCP tools, else the function name' }),
  arguments: Type.Record(Type.String(), Type.Unknown()),
});

const Message = Type.Union([
  Type.Object({ role: Type.Literal('system'), content: Type.String() }, Strict),
  Type.Object({ role: Type.Literal('user'), content: Type.String() }, Strict),
  Type.Object(
    {
      role: Type.Literal('assistant'),
      content: Type.String(),
      toolCalls: Type.Optional(Type.Array(ToolCall)),
    },
    Strict,
  ),
  Type.Object(
    {
      role: Type.Literal('tool'),
      toolCallId: Type.String(),
      name: Type.String(),
      content: Type.String(),
      isError: Type.Optional(Type.Boolean()),
    },
    Strict,
  ),
]);

const Usage = Type.Object({
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  cachedInputTokens: Type.Integer(),
  reasoningTokens: Type.Integer(),
});

export const LlmGenerateBody = Type.Object(
  {
    messages: Type.Array(Message, { minItems: 1, maxItems: 1000 }),
    system: Type.Optional(Type.String({ description: 'Instructions; matched skills are appended' })),
    provider: Type.Optional(ProviderId),
    model: Type.Optional(ModelId),
    agent: Type.Optional(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 214, description: 'e.g. @acme/research-brief' }),
          tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
          preferred: Type.Optional(
            Type.Object({ provider: Type.Optional(ProviderId), model: Type.Optional(ModelId) }, Strict),
          ),
        },
        { ...Strict, description: 'The agent the call is made for: its preference, skills and usage key' },
      ),
    ),
    organizationId: Type.Optional(
      Type.String({ format: 'uuid', description: "Who pays; default the caller's only organization" }),
    ),
    tools: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: LLM_FUNCTION_NAME_PATTERN }),
            description: Type.String(),
            inputSchema: Type.Object({ type: Type.Literal('object') }, { additionalProperties: true }),
          },
          Strict,
        ),
        { maxItems: 128, description: 'Your own functions: calls to them are returned, not run' },
      ),
    ),
    mcpTools: Type.Optional(
      Type.Union(
        [Type.Boolean(), Type.Array(Type.String({ pattern: PRIMITIVE_NAME_PATTERN }), { maxItems: 256 })],
        {
          description: 'MCP tools the model may call (run as you): true for all you may call, or their names',
        },
      ),
    ),
    maxToolRounds: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
    toolChoice: Type.Optional(
      Type.Union([
        Type.Literal('auto'),
        Type.Literal('none'),
        Type.Literal('required'),
        Type.Object({ name: Type.String() }, Strict),
      ]),
    ),
    responseFormat: Type.Optional(
      Type.Object(
        {
          type: Type.Literal('json_schema'),
          name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
          schema: Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the answer' }),
        },
        Strict,
      ),
    ),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3_600_000, description: 'Total, all attempts' }),
    ),
    fallback: Type.Optional(
      Type.Union([LlmTarget, Type.Literal(false)], { description: "false: none; default the instance's" }),
    ),
    skills: Type.Optional(Type.Literal(false, { description: 'false: inject no skills' })),
    stream: Type.Optional(
      Type.Boolean({ description: 'Answer with Server-Sent Events (as does Accept: text/event-stream)' }),
    ),
  },
  Strict,
);

export const LlmCallResultView = Type.Object(
  {
    provider: Type.String(),
    model: Type.String({ description: 'As the vendor reported it' }),
    text: Type.String(),
    toolCalls: Type.Array(ToolCall, { description: 'Calls to your own tools, for you to answer' }),
    finishReason: Type.String(),
    usage: Usage,
    totalUsage: Usage,
    costUsd: Type.Number(),
    structured: Type.Optional(Type.Unknown({ description: 'The parsed answer, with responseFormat' })),
    skills: Type.Array(Type.String()),
    toolRounds: Type.Array(
      Type.Object({
        calls: Type.Array(ToolCall),
        results: Type.Array(Type.Object({ toolCallId: Type.String(), isError: Type.Boolean() })),
      }),
    ),
    attempts: Type.Integer({ description: 'Vendor requests made, retries and fallback included' }),
    usageEventIds: Type.Array(Type.String()),
    messages: Type.Array(Message, { description: 'The conversation as it ended' }),
    traceId: Type.String(),
    responseId: Type.Optional(Type.String()),
  },
  { $id: 'LlmCallResult', title: 'LlmCallResult' },
);

/** The views the LLM routes reference by `$id` (registered once with the server). */
export const LLM_SCHEMAS = [
  LlmProviderView,
  LlmSettingsView,
  LlmModelPriceView,
  LlmBudgetView,
  LlmUsageSummaryView,
  LlmCallResultView,
];

/** The views the skill routes reference by `$id`. */
export const SKILL_SCHEMAS = [SkillView, SkillProblemView];

/** A view's properties without its `$id`: primitive schemas are self-contained, as MCP clients need. */
export const inlined = <T extends { properties: Record<string, TSchema> }>(view: T) =>
  Type.Object(view.properties);
