import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import {
  AUTHORIZER,
  KernelError,
  LLM_BUDGETS,
  LLM_ORCHESTRATOR,
  LLM_PRICES,
  LLM_PROVIDERS,
  LLM_SETTINGS,
  LLM_USAGE,
  WORKSPACE,
  currentActor,
  type Kernel,
  type LlmCallOptions,
  type LlmCallStreamEvent,
} from '@cinatra/kernel';
import {
  BudgetPeriod,
  LLM_SCHEMAS,
  LimitUsd,
  LlmGenerateBody,
  LlmModelPriceInput,
  LlmSettingsPatch,
  ModelId,
  ProviderId,
  UsageSummaryQuery,
} from '../../llm/llmSchemas.js';
import { providerViews, summarizeUsage } from '../../llm/llmViews.js';
import type { CinatraServer } from '../createServer.js';
import { problemDetails } from '../problem.js';
import { withProblems } from '../schemas.js';
import { LAST_EVENT_ID_HEADER, SSE_RESPONSE, sendEventStream, type SseEvent } from '../sse.js';

const TAGS = ['llm'];
const Strict = { additionalProperties: false } as const;
const NoContent = Type.Null({ description: 'Done' });

/** 200 of `POST /api/llm/generate`: the result as JSON, or the call's events as an event stream. */
const GENERATE_RESPONSE = {
  description:
    'The result (application/json), or with stream: true or Accept: text/event-stream the call as Server-Sent Events: one event per LlmCallStreamEvent (text-delta, tool-call, tool-result, retry) named by its type, then done with the result; a failure after the stream began is an error event carrying the problem details. A generation cannot be resumed.',
  content: {
    'application/json': { schema: Type.Ref('LlmCallResult') },
    ...SSE_RESPONSE.content,
  },
} as unknown as TSchema;

/**
 * The LLM orchestration over HTTP: providers, the instance settings (default and fallback
 * model, retries, skill judge), prices, budgets, usage summaries, and model calls. Every route
 * is authorized (and audited) by the kernel service it calls; listing providers needs what
 * reading the settings needs (`llm_settings:read`).
 */
export function llmRoutes(app: CinatraServer, kernel: Kernel): void {
  const authorizer = kernel.resolve(AUTHORIZER);
  const providers = kernel.resolve(LLM_PROVIDERS);
  const settings = kernel.resolve(LLM_SETTINGS);
  const prices = kernel.resolve(LLM_PRICES);
  const budgets = kernel.resolve(LLM_BUDGETS);
  const usage = kernel.resolve(LLM_USAGE);
  // The orchestrator is resolved on first use: by then the host's LLM_TOOL_SOURCE is registered.
  const llm = () => kernel.resolve(LLM_ORCHESTRATOR);
  for (const schema of LLM_SCHEMAS) app.addSchema(schema);

  app.get(
    '/api/llm/providers',
    {
      schema: {
        tags: TAGS,
        summary: 'The LLM providers enabled extensions serve, with their declared models',
        response: withProblems({ 200: Type.Object({ providers: Type.Array(Type.Ref('LlmProvider')) }) }),
      },
    },
    async () => {
      await authorizer.authorize(currentActor(), 'read', { type: 'llm_settings', owner: WORKSPACE });
      return providerViews(providers);
    },
  );

  app.get(
    '/api/llm/settings',
    {
      schema: {
        tags: TAGS,
        summary: 'The default and fallback provider and model, retry policy, timeouts and skill judge',
        response: withProblems({ 200: Type.Ref('LlmSettings') }),
      },
    },
    async () => settings.get(),
  );

  app.patch(
    '/api/llm/settings',
    {
      schema: {
        tags: TAGS,
        summary: 'Change the LLM settings (platform admins); calls made from then on use them',
        body: LlmSettingsPatch,
        response: withProblems({ 200: Type.Ref('LlmSettings') }),
      },
    },
    async (request) => settings.update(request.body),
  );

  app.get(
    '/api/llm/prices',
    {
      schema: {
        tags: TAGS,
        summary: 'What models cost, in USD per million tokens',
        response: withProblems({ 200: Type.Object({ prices: Type.Array(Type.Ref('LlmModelPrice')) }) }),
      },
    },
    async () => ({ prices: await prices.list() }),
  );

  app.put(
    '/api/llm/prices',
    {
      schema: {
        tags: TAGS,
        summary: "Set a model's price (platform admins); calls metered from then on cost it",
        description:
          'Provider and model are in the body, since model ids may contain slashes. Model * prices every model of the provider without its own row.',
        body: LlmModelPriceInput,
        response: withProblems({ 200: Type.Ref('LlmModelPrice') }),
      },
    },
    async (request) => prices.upsert(request.body),
  );

  app.delete(
    '/api/llm/prices',
    {
      schema: {
        tags: TAGS,
        summary: "Remove a model's price (platform admins); its calls then cost the provider's * price, or 0",
        querystring: Type.Object(
          { provider: ProviderId, model: Type.Union([ModelId, Type.Literal('*')]) },
          Strict,
        ),
        response: withProblems({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      await prices.remove(request.query.provider, request.query.model);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/llm/budgets',
    {
      schema: {
        tags: TAGS,
        summary: "Organizations' LLM spending limits with their current spend",
        querystring: Type.Object(
          {
            organizationId: Type.Optional(
              Type.String({ format: 'uuid', description: "One organization's (its admins may ask)" }),
            ),
          },
          Strict,
        ),
        response: withProblems({ 200: Type.Object({ budgets: Type.Array(Type.Ref('LlmBudget')) }) }),
      },
    },
    async (request) => ({ budgets: await budgets.list(request.query) }),
  );

  const BudgetParams = Type.Object({ organizationId: Type.String({ format: 'uuid' }), period: BudgetPeriod });

  app.put(
    '/api/llm/budgets/:organizationId/:period',
    {
      schema: {
        tags: TAGS,
        summary: "Set an organization's daily or monthly LLM budget (platform admins)",
        description:
          'Once the spend of the period reaches the limit, calls billed to the organization are refused with 402 llm_budget_exceeded until the period ends or the limit is raised.',
        params: BudgetParams,
        body: Type.Object({ limitUsd: LimitUsd }, Strict),
        response: withProblems({ 200: Type.Ref('LlmBudget') }),
      },
    },
    async (request) =>
      budgets.set(request.params.organizationId, request.params.period, request.body.limitUsd),
  );

  app.delete(
    '/api/llm/budgets/:organizationId/:period',
    {
      schema: {
        tags: TAGS,
        summary: "Remove an organization's daily or monthly LLM budget (platform admins)",
        params: BudgetParams,
        response: withProblems({ 204: NoContent }),
      },
    },
    async (request, reply) => {
      await budgets.remove(request.params.organizationId, request.params.period);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/llm/usage/summary',
    {
      schema: {
        tags: TAGS,
        summary: 'LLM calls, tokens, errors and cost by provider, model, agent or day',
        description:
          "The instance's usage needs a platform admin; an organization's (organizationId) its admins. Calls count every vendor request, retries and failures included.",
        querystring: UsageSummaryQuery,
        response: withProblems({ 200: Type.Ref('LlmUsageSummary') }),
      },
    },
    async (request) => summarizeUsage(usage, request.query),
  );

  app.post(
    '/api/llm/generate',
    {
      schema: {
        tags: TAGS,
        summary: 'Call a model through the orchestration, as yourself (test a provider, script a call)',
        description:
          'Provider and model: this call’s, else the agent’s preference, else the instance default. Billed, budgeted, retried, metered and given skills and MCP tools like every call.',
        body: LlmGenerateBody,
        response: withProblems({ 200: GENERATE_RESPONSE }),
      },
    },
    async (request, reply) => {
      const { stream, ...body } = request.body;
      const wantsEvents = stream ?? acceptsEventStream(request);
      // A client that goes away cancels the call (the vendor request in flight is aborted).
      const abort = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) abort.abort();
      };
      reply.raw.once('close', onClose);
      const options = { ...(body as LlmCallOptions), signal: abort.signal };
      try {
        if (!wantsEvents) {
          const result = await llm().generate(options);
          return reply.type('application/json; charset=utf-8').send(result);
        }
        if (request.headers[LAST_EVENT_ID_HEADER] !== undefined) {
          throw new KernelError('validation_failed', 'A generation cannot be resumed; start a new one.', {
            errors: [{ path: '/headers/last-event-id', message: 'is not accepted by this stream' }],
          });
        }
        await streamGeneration(request, reply, llm().stream(options));
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );
}

function acceptsEventStream(request: FastifyRequest): boolean {
  return /(^|,)\s*text\/event-stream\b/i.test(request.headers.accept ?? '');
}

/**
 * Answers with the call's events. The first one is awaited before anything is sent, so a call
 * refused at once (forbidden, budget spent, no such provider) is an ordinary problem response
 * with its status; a failure after that ends the stream with an `error` event.
 */
async function streamGeneration(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncIterable<LlmCallStreamEvent>,
): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  let seq = 0;
  async function* frames(): AsyncGenerator<SseEvent> {
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        seq += 1;
        yield { id: String(seq), event: next.value.type, data: next.value };
      }
    } catch (error) {
      if (!(error instanceof KernelError)) throw error;
      seq += 1;
      const problem = problemDetails(error, request.url);
      const retryAfterSeconds = error.details.retryAfterSeconds;
      yield {
        id: String(seq),
        event: 'error',
        data: retryAfterSeconds === undefined ? problem : { ...problem, retryAfterSeconds },
      };
    } finally {
      await iterator.return?.();
    }
  }
  await sendEventStream<never>(request, reply, { parseId: () => null, source: () => frames() });
}
