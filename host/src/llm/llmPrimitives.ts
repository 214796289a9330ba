import { Type, type Static, type TObject } from 'typebox';
import {
  LLM_BUDGETS,
  LLM_PRICES,
  LLM_PROVIDERS,
  LLM_SETTINGS,
  LLM_USAGE,
  SKILLS,
  WORKSPACE,
  type ActorContext,
  type Kernel,
  type Owner,
  type PrimitiveDefinition,
} from '@cinatra/kernel';
import { EXTENSION_SKILLS } from './ExtensionSkills.js';
import {
  BudgetPeriod,
  LimitUsd,
  LlmBudgetView,
  LlmModelPriceInput,
  LlmModelPriceView,
  LlmProviderView,
  LlmSettingsPatch,
  LlmSettingsView,
  LlmUsageSummaryView,
  ModelId,
  ProviderId,
  SkillProblemView,
  SkillView,
  UsageSummaryQuery,
  inlined,
} from './llmSchemas.js';
import { providerViews, skillsView, summarizeUsage } from './llmViews.js';

const Strict = { additionalProperties: false } as const;
const inputOf = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, Strict);
const Uuid = Type.String({ format: 'uuid' });

const Settings = inlined(LlmSettingsView);
const Prices = Type.Object({ prices: Type.Array(inlined(LlmModelPriceView)) });
const Budgets = Type.Object({ budgets: Type.Array(inlined(LlmBudgetView)) });
const Skills = Type.Object({
  skills: Type.Array(inlined(SkillView)),
  problems: Type.Array(inlined(SkillProblemView)),
});

type Primitive<I extends TObject> = Omit<PrimitiveDefinition<Static<I>>, 'inputSchema'> & { inputSchema: I };
const primitive = <I extends TObject>(definition: Primitive<I>): PrimitiveDefinition<Static<I>> => definition;

/** An organization the actor administers (where its budgets and usage are theirs to read), else the workspace. */
function administeredOrganization(actor: ActorContext): Owner {
  const org = actor.organizations.find((o) => o.role === 'org_admin' || o.role === 'org_owner');
  return org ? { tier: 'organization', organizationId: org.id } : WORKSPACE;
}

const billedTo = (organizationId: string | undefined): Owner =>
  organizationId ? { tier: 'organization', organizationId } : WORKSPACE;

/**
 * The LLM orchestration's administration as kernel primitives (MCP tools, `/api/primitives`,
 * in-process callers), with the HTTP routes' schemas and the classifications of
 * `LLM_CLASSIFICATIONS`. The services authorize and audit each action themselves as well;
 * listing providers and skills is `llm_settings:read`, checked by the registry alone.
 */
export function llmPrimitives(kernel: Kernel): Array<PrimitiveDefinition<never, unknown>> {
  const settings = () => kernel.resolve(LLM_SETTINGS);
  const prices = () => kernel.resolve(LLM_PRICES);
  const budgets = () => kernel.resolve(LLM_BUDGETS);

  const definitions = [
    primitive({
      name: 'llm.providers.list',
      title: 'List LLM providers',
      description:
        'The LLM providers enabled extensions serve (id, display name, serving extension, declared models): what the settings and a call may name.',
      inputSchema: inputOf({}),
      outputSchema: Type.Object({ providers: Type.Array(inlined(LlmProviderView)) }),
      classification: { resourceType: 'llm_settings', action: 'read' },
      annotations: { readOnlyHint: true },
      handler: () => providerViews(kernel.resolve(LLM_PROVIDERS)),
    }),
    primitive({
      name: 'llm.settings.get',
      title: 'Read the LLM settings',
      description:
        'The instance default provider and model (used when neither the call nor its agent names one), the fallback, attempts per target, the per-request timeout and the skill judge.',
      inputSchema: inputOf({}),
      outputSchema: Settings,
      classification: { resourceType: 'llm_settings', action: 'read' },
      annotations: { readOnlyHint: true },
      handler: () => settings().get(),
    }),
    primitive({
      name: 'llm.settings.update',
      title: 'Change the LLM settings',
      description:
        'Changes the default or fallback provider and model, attempts, timeout or skill judge; omitted fields stay, null clears a target. Calls made from then on use the new settings.',
      inputSchema: LlmSettingsPatch,
      outputSchema: Settings,
      classification: { resourceType: 'llm_settings', action: 'manage' },
      annotations: { idempotentHint: true },
      handler: (patch) => settings().update(patch),
    }),
    primitive({
      name: 'llm.prices.list',
      title: 'List model prices',
      description: 'What models cost, in USD per million input, cached input and output tokens.',
      inputSchema: inputOf({}),
      outputSchema: Prices,
      classification: { resourceType: 'llm_price', action: 'read' },
      annotations: { readOnlyHint: true },
      handler: async () => ({ prices: await prices().list() }),
    }),
    primitive({
      name: 'llm.prices.set',
      title: 'Set a model price',
      description:
        'Sets what a model costs (USD per million tokens); model * prices every model of the provider without its own row. Calls metered from then on cost it.',
      inputSchema: LlmModelPriceInput,
      outputSchema: inlined(LlmModelPriceView),
      classification: { resourceType: 'llm_price', action: 'manage' },
      resource: (input) => ({ type: 'llm_price', id: `${input.provider}/${input.model}`, owner: WORKSPACE }),
      annotations: { idempotentHint: true },
      handler: (input) => prices().upsert(input),
    }),
    primitive({
      name: 'llm.prices.remove',
      title: 'Remove a model price',
      description: "Removes a model's price row; its calls then cost the provider's * price, or nothing.",
      inputSchema: inputOf({ provider: ProviderId, model: Type.Union([ModelId, Type.Literal('*')]) }),
      outputSchema: Type.Object({
        provider: Type.String(),
        model: Type.String(),
        removed: Type.Literal(true),
      }),
      classification: { resourceType: 'llm_price', action: 'manage' },
      resource: (input) => ({ type: 'llm_price', id: `${input.provider}/${input.model}`, owner: WORKSPACE }),
      annotations: { destructiveHint: true, idempotentHint: false },
      handler: async ({ provider, model }) => {
        await prices().remove(provider, model);
        return { provider, model, removed: true as const };
      },
    }),
    primitive({
      name: 'llm.budgets.list',
      title: 'List LLM budgets',
      description:
        "Organizations' daily and monthly LLM spending limits with what they spent in the current period: one organization's (its admins), or every one (platform admins).",
      inputSchema: inputOf({ organizationId: Type.Optional(Uuid) }),
      outputSchema: Budgets,
      classification: { resourceType: 'llm_budget', action: 'read' },
      resource: (input) => ({ type: 'llm_budget', owner: billedTo(input.organizationId) }),
      listScope: administeredOrganization,
      annotations: { readOnlyHint: true },
      handler: async (input) => ({ budgets: await budgets().list(input) }),
    }),
    primitive({
      name: 'llm.budgets.set',
      title: 'Set an LLM budget',
      description:
        "Sets an organization's daily or monthly LLM spending limit in USD. Once the period's spend reaches it, calls billed to the organization are refused (llm_budget_exceeded).",
      inputSchema: inputOf({ organizationId: Uuid, period: BudgetPeriod, limitUsd: LimitUsd }),
      outputSchema: inlined(LlmBudgetView),
      classification: { resourceType: 'llm_budget', action: 'manage' },
      resource: (input) => ({
        type: 'llm_budget',
        id: `${input.organizationId}/${input.period}`,
        owner: WORKSPACE,
      }),
      annotations: { idempotentHint: true },
      handler: ({ organizationId, period, limitUsd }) => budgets().set(organizationId, period, limitUsd),
    }),
    primitive({
      name: 'llm.budgets.remove',
      title: 'Remove an LLM budget',
      description: "Removes an organization's daily or monthly LLM spending limit.",
      inputSchema: inputOf({ organizationId: Uuid, period: BudgetPeriod }),
      outputSchema: Type.Object({
        organizationId: Type.String(),
        period: Type.String(),
        removed: Type.Literal(true),
      }),
      classification: { resourceType: 'llm_budget', action: 'manage' },
      resource: (input) => ({
        type: 'llm_budget',
        id: `${input.organizationId}/${input.period}`,
        owner: WORKSPACE,
      }),
      annotations: { destructiveHint: true, idempotentHint: false },
      handler: async ({ organizationId, period }) => {
        await budgets().remove(organizationId, period);
        return { organizationId, period, removed: true as const };
      },
    }),
    primitive({
      name: 'llm.usage.summary',
      title: 'Summarize LLM usage and cost',
      description:
        'LLM calls (vendor requests, retries and failures included), errors, tokens and cost in USD between from (inclusive, default 30 days before to) and to (exclusive, default now), grouped by provider, model (provider/model), agent or UTC day; of one organization (its admins) or the whole instance (platform admins).',
      inputSchema: UsageSummaryQuery,
      outputSchema: inlined(LlmUsageSummaryView),
      classification: { resourceType: 'llm_usage', action: 'read' },
      resource: (input) => ({ type: 'llm_usage', owner: billedTo(input.organizationId) }),
      listScope: administeredOrganization,
      annotations: { readOnlyHint: true },
      handler: (input) => summarizeUsage(kernel.resolve(LLM_USAGE), input),
    }),
    primitive({
      name: 'skills.list',
      title: 'List skills',
      description:
        'The skills injected into LLM system prompts: name, description, match_when clauses, source (the skills directory or the contributing extension) and instructions, plus the skill files that did not load.',
      inputSchema: inputOf({}),
      outputSchema: Skills,
      classification: { resourceType: 'llm_settings', action: 'read' },
      annotations: { readOnlyHint: true },
      handler: () => skillsView(kernel.resolve(SKILLS), kernel.resolve(EXTENSION_SKILLS)),
    }),
  ];
  return definitions as unknown as Array<PrimitiveDefinition<never, unknown>>;
}
