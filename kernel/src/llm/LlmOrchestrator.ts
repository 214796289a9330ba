import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type {
  CallToolResult,
  LlmMessage,
  LlmRequest,
  LlmResponse,
  LlmStreamEvent,
  LlmToolCall,
  LlmToolChoice,
  LlmToolDefinition,
  LlmUsage,
} from '@cinatra/sdk';
import { delay, inject, injectable, type InjectionToken } from 'tsyringe';
import { currentScope, runInScope, type RequestScope } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { CLASSIFICATION_REGISTRY, type ClassificationRegistry } from '../authz/ClassificationRegistry.js';
import { decide } from '../authz/decide.js';
import { WORKSPACE, type Owner, type ResourceRef } from '../authz/ResourceRef.js';
import { KernelError, type FieldError } from '../errors/KernelError.js';
import { LIFECYCLE, type Lifecycle } from '../lifecycle/Lifecycle.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { LLM_BUDGETS, type LlmBudgets } from './LlmBudgets.js';
import { LLM_CLOCK, type LlmClock } from './LlmClock.js';
import { LlmInvokeAudit } from './LlmInvokeAudit.js';
import { llmCancelled, llmInvalidOutput, llmProviderError, llmTimeout } from './llmErrors.js';
import { LLM_PRICES, type LlmPriceTable } from './LlmPriceTable.js';
import type { LlmProvider } from './LlmProvider.js';
import { LLM_PROVIDERS, type LlmProviderRegistry } from './LlmProviderRegistry.js';
import { classifyFailure, MAX_RETRY_AFTER_MS, retryDelay, type LlmFailure } from './llmRetryPolicy.js';
import { LLM_SETTINGS, type LlmSettings, type LlmSettingsView } from './LlmSettings.js';
import { LLM_FUNCTION_NAME_PATTERN, mapToolNames, type LlmToolNameMap } from './llmToolNames.js';
import { LLM_TOOL_SOURCE, type LlmToolDescriptor, type LlmToolSource } from './LlmToolSource.js';
import { LLM_USAGE, type LlmUsageService } from './LlmUsageService.js';
import { SkillCatalog, withSkills, type SkillEntry } from './SkillCatalog.js';
import type {
  LlmAgentContext,
  LlmCallOptions,
  LlmCallResult,
  LlmCallStreamEvent,
  LlmTarget,
} from './types.js';

/** Tool rounds a call may run when it does not say (`maxToolRounds`). */
export const DEFAULT_MAX_TOOL_ROUNDS = 5;
const MAX_TOOL_ROUNDS_LIMIT = 50;
const FUNCTION_NAME = new RegExp(LLM_FUNCTION_NAME_PATTERN);
const ZERO_USAGE: LlmUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
/** Compiled `responseFormat` schemas kept (by their JSON text), least recently used dropped first. */
const SCHEMA_CACHE_SIZE = 256;

/** Everything one call's requests share. */
interface CallState {
  mode: 'generate' | 'stream';
  scope: RequestScope;
  options: LlmCallOptions;
  settings: LlmSettingsView;
  primary: LlmTarget;
  fallback: LlmTarget | null;
  organizationId: string | null;
  callerExtension: string | null;
  traceId: string;
  skills: string[];
  /** The call's own signal: the caller's signal and the total timeout abort it. */
  signal: AbortSignal;
  /** Why `signal` aborted. */
  aborted: 'cancelled' | 'timeout' | null;
  /** `clock.now()` by which the call must be done (Infinity without `timeoutMs`). */
  deadline: number;
  attempts: number;
  totalUsage: LlmUsage;
  costUsd: number;
  usageEventIds: string[];
  /** The target of the latest vendor request (for error messages). */
  target: LlmTarget;
}

interface Answer {
  response: LlmResponse;
  target: LlmTarget;
}

type AttemptOutcome =
  { ok: true; response: LlmResponse } | { ok: false; failure: LlmFailure; yielded: boolean };

/**
 * The one way platform code calls a model. It picks the provider and model (per call, else the
 * agent's preference, else the instance default), authorizes the caller (`llm:invoke`), checks
 * the organization's budget, injects matching skills and MCP tools, retries retryable failures
 * with exponential back-off and full jitter (honouring `retry-after`), falls back to a second
 * target, runs tool rounds as the caller, validates structured output, and meters every vendor
 * request (usage event with tokens and cost). See `README.md` beside this file.
 */
@injectable()
export class LlmOrchestrator {
  private readonly ajv = addFormats.default(
    new Ajv.default({ allErrors: false, strict: false, addUsedSchema: false, validateSchema: true }),
  );
  /**
   * Ajv keeps every schema object it compiles (by identity) for good; callers build a new
   * `responseFormat.schema` object per call, so compiled validators are kept here by the
   * schema's JSON instead, and the ones dropped are removed from Ajv too.
   */
  private readonly schemas = new Map<
    string,
    { schema: Record<string, unknown>; validate: ValidateFunction }
  >();
  private readonly invokeAudit: LlmInvokeAudit;

  constructor(
    @inject(LLM_PROVIDERS) private readonly providers: LlmProviderRegistry,
    @inject(LLM_SETTINGS) private readonly settings: LlmSettings,
    @inject(LLM_PRICES) private readonly prices: LlmPriceTable,
    @inject(LLM_BUDGETS) private readonly budgets: LlmBudgets,
    @inject(LLM_USAGE) private readonly usage: LlmUsageService,
    // Lazy, both ways (the catalog calls `generate` to judge); typed structurally so emitted
    // decorator metadata never names the other class.
    @inject(delay(() => SkillCatalog)) private readonly skills: Pick<SkillCatalog, 'match'>,
    @inject(LLM_TOOL_SOURCE) private readonly tools: LlmToolSource,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(CLASSIFICATION_REGISTRY) private readonly classifications: ClassificationRegistry,
    @inject(LLM_CLOCK) private readonly clock: LlmClock,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(LIFECYCLE) lifecycle: Lifecycle,
  ) {
    this.invokeAudit = new LlmInvokeAudit(authorizer, lifecycle, logger);
  }

  /** Runs the call to its end as the current actor; rejects with a `KernelError` (see README for codes). */
  async generate(options: LlmCallOptions): Promise<LlmCallResult> {
    let result: LlmCallResult | undefined;
    for await (const event of this.run(options, 'generate', currentScope())) {
      if (event.type === 'done') result = event.result;
    }
    return result!;
  }

  /**
   * The call as events: text deltas and tool calls as the vendor sends them, tool results
   * between rounds, retries, then `done` with the result `generate` would give. Nothing happens
   * until the first `next()`; failures are thrown from the iteration. Stopping the iteration
   * early cancels the vendor request in flight. The actor is the one current when `stream` is called.
   */
  stream(options: LlmCallOptions): AsyncIterable<LlmCallStreamEvent> {
    return this.run(options, 'stream', currentScope());
  }

  /**
   * Resolves once everything the calls made so far write behind them is in the database: the
   * audit events of their `llm:invoke` authorizations and their usage events. For tests and
   * benchmarks; `Kernel.close()` writes both too.
   */
  async flush(): Promise<void> {
    await this.invokeAudit.flush();
    await this.usage.flush();
  }

  private async *run(
    options: LlmCallOptions,
    mode: 'generate' | 'stream',
    scope: RequestScope,
  ): AsyncGenerator<LlmCallStreamEvent, void, undefined> {
    const asActor = <T>(fn: () => T): T => runInScope(scope, fn);
    validateOptions(options);
    const { actor } = scope;
    const organizationId =
      options.organizationId ?? (actor.organizations.length === 1 ? actor.organizations[0]!.id : null);
    const owner: Owner = organizationId ? { tier: 'organization', organizationId } : WORKSPACE;
    await asActor(() =>
      this.authorize(
        scope,
        { type: 'llm', owner },
        {
          agentId: options.agent?.id ?? null,
          runId: options.runId ?? null,
          provider: options.provider ?? null,
          model: options.model ?? null,
        },
      ),
    );
    const settings = await this.settings.current();
    const primary = chooseTarget(options, options.agent, settings);
    const fallbackOption = options.fallback === undefined ? settings.fallback : options.fallback || null;
    const fallback =
      fallbackOption &&
      !(fallbackOption.provider === primary.provider && fallbackOption.model === primary.model)
        ? fallbackOption
        : null;
    const validateOutput = options.responseFormat ? this.compileSchema(options.responseFormat.schema) : null;

    const controller = new AbortController();
    const startedAt = this.clock.now();
    const state: CallState = {
      mode,
      scope,
      options,
      settings,
      primary,
      fallback,
      organizationId,
      callerExtension:
        options.callerExtension ?? (actor.principalType === 'extension' ? actor.principalId : null),
      traceId: options.traceId ?? randomUUID(),
      skills: [],
      signal: controller.signal,
      aborted: null,
      deadline: options.timeoutMs !== undefined ? startedAt + options.timeoutMs : Number.POSITIVE_INFINITY,
      attempts: 0,
      totalUsage: { ...ZERO_USAGE },
      costUsd: 0,
      usageEventIds: [],
      target: primary,
    };
    const abort = (why: 'cancelled' | 'timeout') => {
      if (state.aborted) return;
      state.aborted = why;
      controller.abort(
        new Error(why === 'cancelled' ? 'the caller cancelled the call' : 'the call timed out'),
      );
    };
    const onCallerAbort = () => abort('cancelled');
    if (options.signal?.aborted) throw llmCancelled(primary, 0);
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const totalTimer =
      options.timeoutMs !== undefined ? setTimeout(() => abort('timeout'), options.timeoutMs) : undefined;
    let finished = false;

    try {
      let matched: SkillEntry[] = [];
      if (options.skills !== false) {
        try {
          matched = await asActor(() =>
            this.skills.match(options.agent, {
              messages: options.messages,
              ...(options.system !== undefined ? { system: options.system } : {}),
              ...(options.runId !== undefined ? { runId: options.runId } : {}),
              ...(organizationId ? { organizationId } : {}),
              signal: controller.signal,
            }),
          );
        } catch (error) {
          // The judge call saw this call's abort as its own cancellation: report the call's reason.
          this.throwIfAborted(state);
          throw error;
        }
      }
      this.throwIfAborted(state);
      state.skills = matched.map((skill) => skill.name);
      const system = withSkills(options.system, matched);

      const callerTools = options.tools ?? [];
      const selection = options.mcpTools;
      const mcpTools = selection ? await asActor(() => this.mcpTools(selection)) : [];
      this.throwIfAborted(state);
      const names = mapToolNames(
        mcpTools.map((tool) => tool.name),
        new Set(callerTools.map((tool) => tool.name)),
      );
      const tools: LlmToolDefinition[] = [
        ...callerTools,
        ...mcpTools.map((tool) => ({
          name: names.toFunction.get(tool.name)!,
          description: tool.description,
          inputSchema: tool.inputSchema,
        })),
      ];
      const firstChoice = mapToolChoice(options.toolChoice, names);
      const maxToolRounds = options.maxToolRounds ?? DEFAULT_MAX_TOOL_ROUNDS;

      const messages: LlmMessage[] = [...options.messages];
      const toolRounds: LlmCallResult['toolRounds'] = [];
      let corrected = false;
      for (let request = 0; ; request += 1) {
        // The caller's tool choice applies to the first request only (a forced tool would loop);
        // once the tool rounds are used up, the model must answer in text.
        const toolChoice: LlmToolChoice | undefined =
          tools.length === 0
            ? undefined
            : toolRounds.length >= maxToolRounds && mcpTools.length > 0
              ? 'none'
              : request === 0
                ? firstChoice
                : undefined;
        const vendorRequest: LlmRequest = {
          model: primary.model,
          messages: [...messages],
          ...(system !== undefined ? { system } : {}),
          ...(tools.length > 0 ? { tools } : {}),
          ...(toolChoice !== undefined ? { toolChoice } : {}),
          ...(options.responseFormat ? { responseFormat: options.responseFormat } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
        };
        const { response, target } = yield* this.send(vendorRequest, state, names);

        const mcpCalls = response.toolCalls.filter((call) => names.toMcp.has(call.name));
        const leftCalls = response.toolCalls.filter((call) => !names.toMcp.has(call.name));
        messages.push({
          role: 'assistant',
          content: response.text,
          ...(response.toolCalls.length > 0 ? { toolCalls: response.toolCalls } : {}),
        });

        const runTools = mcpCalls.length > 0 && toolRounds.length < maxToolRounds;
        if (runTools) {
          const results: Array<{ toolCallId: string; isError: boolean }> = [];
          for (const call of mcpCalls) {
            const mcpName = names.toMcp.get(call.name)!;
            const result = await asActor(() => this.callTool(mcpName, call, state.signal));
            this.throwIfAborted(state);
            const isError = result.isError === true;
            messages.push({
              role: 'tool',
              toolCallId: call.id,
              name: call.name,
              content: toolResultText(result),
              ...(isError ? { isError } : {}),
            });
            results.push({ toolCallId: call.id, isError });
            yield { type: 'tool-result', toolCallId: call.id, name: mcpName, isError };
          }
          toolRounds.push({ calls: mcpCalls.map((call) => withMcpName(call, names)), results });
          if (leftCalls.length === 0) continue;
        }

        // Left for the caller: calls of its own tools (and MCP calls the model made after its
        // tool rounds were used up).
        const toolCalls = (runTools ? leftCalls : response.toolCalls).map((call) => withMcpName(call, names));
        let structured: unknown;
        if (validateOutput && toolCalls.length === 0) {
          const check = parseStructured(response.text, validateOutput);
          if (!check.ok) {
            if (!corrected) {
              corrected = true;
              messages.push({
                role: 'user',
                content: `Your answer does not match the required JSON schema: ${check.errors[0]!.path} ${check.errors[0]!.message}. Answer again with only a JSON value valid against the schema, no other text.`,
              });
              yield {
                type: 'retry',
                attempt: state.attempts + 1,
                delayMs: 0,
                reason: `the answer does not match the JSON schema (${check.errors[0]!.path} ${check.errors[0]!.message})`,
              };
              continue;
            }
            throw llmInvalidOutput(target, check.errors, state.attempts);
          }
          structured = check.value;
        }

        finished = true;
        yield {
          type: 'done',
          result: {
            model: response.model,
            text: response.text,
            toolCalls,
            finishReason: response.finishReason,
            usage: response.usage,
            ...(response.responseId !== undefined ? { responseId: response.responseId } : {}),
            provider: target.provider,
            totalUsage: state.totalUsage,
            costUsd: state.costUsd,
            ...(validateOutput && toolCalls.length === 0 ? { structured } : {}),
            skills: state.skills,
            toolRounds,
            attempts: state.attempts,
            usageEventIds: state.usageEventIds,
            messages,
            traceId: state.traceId,
          },
        };
        return;
      }
    } finally {
      clearTimeout(totalTimer);
      options.signal?.removeEventListener('abort', onCallerAbort);
      // An iteration stopped early: stop whatever still runs for the call (tool calls, judge).
      if (!finished && !controller.signal.aborted) controller.abort(new Error('the call ended'));
    }
  }

  /**
   * `llm:invoke`, audited like every decision. A denial is refused once its audit event is
   * durable (`Authorizer.authorize`), as everywhere. An allowed call does not wait for its event
   * (a durable append to the audit chain costs 0.3–4 ms and a Postgres wake-up on a busy machine,
   * more than the rest of the orchestration): the decision is taken with the authorizer's own
   * rules (`decide`) and the event written behind the call (`LlmInvokeAudit`), unless writing
   * those events is failing, in which case the call waits for its own.
   * See README.md, "Authorization and budgets".
   */
  private async authorize(
    scope: RequestScope,
    resource: ResourceRef,
    auditMetadata: Record<string, unknown>,
  ): Promise<void> {
    const { actor } = scope;
    if (!decide(actor, this.classifications.get('llm', 'invoke'), resource).allow) {
      await this.authorizer.authorize(actor, 'invoke', resource, auditMetadata); // audits, then throws
    } else if (this.invokeAudit.failing) {
      await this.invokeAudit.now(scope, resource, auditMetadata);
    } else {
      this.invokeAudit.behind(scope, resource, auditMetadata);
    }
  }

  /**
   * One model request: attempts against the primary target with back-off, then against the
   * fallback. Returns the answer, or throws the error the caller sees.
   */
  private async *send(
    request: LlmRequest,
    state: CallState,
    names: LlmToolNameMap,
  ): AsyncGenerator<LlmCallStreamEvent, Answer, undefined> {
    const targets = state.fallback ? [state.primary, state.fallback] : [state.primary];
    let last: { target: LlmTarget; failure: LlmFailure; why: 'exhausted' | 'retry-after too long' } | null =
      null;
    for (const [index, target] of targets.entries()) {
      const provider = this.providers.get(target.provider);
      if (!provider) {
        if (index + 1 < targets.length) {
          this.logger.warn({ provider: target.provider }, 'LLM provider not available; using the fallback');
          yield {
            type: 'retry',
            attempt: state.attempts + 1,
            delayMs: 0,
            reason: fallbackReason(target, targets[index + 1]!, 'not available'),
          };
          continue;
        }
        if (last) throw llmProviderError(last.target, last.failure, state.attempts, last.why);
        this.providers.require(target.provider);
      }
      for (let attempt = 1; attempt <= state.settings.maxAttempts; attempt += 1) {
        this.throwIfAborted(state);
        if (state.organizationId) await this.budgets.check(state.organizationId);
        const remaining = state.deadline - this.clock.now();
        if (remaining <= 0) throw llmTimeout(target, state.attempts, state.options.timeoutMs);
        state.target = target;
        const outcome = yield* this.attempt(
          provider!,
          target,
          request,
          attempt,
          Math.min(state.settings.attemptTimeoutMs, remaining),
          state,
          names,
        );
        if (outcome.ok) return { response: outcome.response, target };
        const { failure } = outcome;
        this.throwIfAborted(state);
        if (!failure.retryable) throw llmProviderError(target, failure, state.attempts, 'not retryable');
        if (outcome.yielded)
          throw llmProviderError(target, failure, state.attempts, 'output already streamed');
        last = { target, failure, why: 'exhausted' };
        if (attempt === state.settings.maxAttempts) break;
        // A vendor asking for a longer wait than the call has left (or, without `timeoutMs`, than
        // MAX_RETRY_AFTER_MS) counts as exhausted; the jitter is capped by the time left.
        const left = state.deadline - this.clock.now();
        if ((failure.retryAfterMs ?? 0) > (Number.isFinite(left) ? left : MAX_RETRY_AFTER_MS)) {
          last.why = 'retry-after too long';
          break;
        }
        const wait = Math.min(retryDelay(attempt, failure.retryAfterMs, this.clock.random()), left);
        yield {
          type: 'retry',
          attempt: state.attempts + 1,
          delayMs: wait,
          reason: `${target.provider} (${target.model}): ${failure.kind}: ${failure.message}`,
        };
        try {
          await this.clock.sleep(wait, state.signal);
        } catch (error) {
          this.throwIfAborted(state);
          throw error;
        }
      }
      const next = targets[index + 1];
      if (next) {
        yield {
          type: 'retry',
          attempt: state.attempts + 1,
          delayMs: 0,
          reason: fallbackReason(target, next, last!.failure.kind),
        };
      }
    }
    const { target, failure, why } = last!;
    if (failure.kind === 'timeout' || failure.kind === 'deadline_exceeded') {
      throw llmTimeout(target, state.attempts);
    }
    throw llmProviderError(target, failure, state.attempts, why);
  }

  /** One vendor request, metered; never throws for the provider's failure (returns it). */
  private async *attempt(
    provider: LlmProvider,
    target: LlmTarget,
    request: LlmRequest,
    attempt: number,
    timeoutMs: number,
    state: CallState,
    names: LlmToolNameMap,
  ): AsyncGenerator<LlmCallStreamEvent, AttemptOutcome, undefined> {
    state.attempts += 1;
    const controller = new AbortController();
    const onCallAbort = () => controller.abort(state.signal.reason);
    state.signal.addEventListener('abort', onCallAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`the attempt did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const started = performance.now();
    const call = { signal: controller.signal, deadlineMs: timeoutMs, traceId: state.traceId };
    const vendorRequest = { ...request, model: target.model };
    let yielded = false;
    let settled = false;
    let iterator: AsyncIterator<LlmStreamEvent> | undefined;
    try {
      let response: LlmResponse;
      if (state.mode === 'generate') {
        response = await untilAborted(provider.generate(vendorRequest, call), controller.signal);
      } else {
        iterator = provider.stream(vendorRequest, call)[Symbol.asyncIterator]();
        let finish: LlmResponse | undefined;
        for (;;) {
          const next = await untilAborted(iterator.next(), controller.signal);
          if (next.done) break;
          const event = next.value;
          if (event.type === 'finish') {
            finish = event.response;
            break;
          }
          yielded = true;
          yield event.type === 'tool-call'
            ? { type: 'tool-call', toolCall: withMcpName(event.toolCall, names) }
            : event;
        }
        if (!finish) throw new Error(`${provider.id} ended its stream without a finish event`);
        response = finish;
      }
      settled = true;
      const usage = normalizeUsage(response.usage);
      const normalized: LlmResponse = {
        ...response,
        text: typeof response.text === 'string' ? response.text : '',
        toolCalls: Array.isArray(response.toolCalls) ? response.toolCalls : [],
        usage,
      };
      await this.meter(state, provider, target, attempt, started, 'ok', null, usage, normalized.model);
      return { ok: true, response: normalized };
    } catch (error) {
      settled = true;
      const failure: LlmFailure = state.aborted
        ? {
            kind: state.aborted,
            retryable: false,
            message: `the call was ${state.aborted === 'cancelled' ? 'cancelled' : 'timed out'}`,
          }
        : classifyFailure(error, timedOut);
      if (failure.kind === 'unknown') {
        this.logger.warn(
          { err: error, provider: target.provider, model: target.model },
          'LLM provider call failed unexpectedly',
        );
      }
      await this.meter(state, provider, target, attempt, started, 'error', failure.kind, ZERO_USAGE, null);
      return { ok: false, failure, yielded };
    } finally {
      clearTimeout(timer);
      state.signal.removeEventListener('abort', onCallAbort);
      if (!settled) {
        // The consumer stopped iterating mid-stream: cancel the vendor request and meter it.
        controller.abort(new Error('the stream was closed by its consumer'));
        await this.meter(state, provider, target, attempt, started, 'error', 'cancelled', ZERO_USAGE, null);
      }
      if (iterator?.return) {
        // Lets the provider's generator run its cleanup; it may still be busy, so not awaited.
        try {
          iterator.return().catch(() => undefined);
        } catch {
          // an iterator whose return throws synchronously has nothing left to clean up
        }
      }
    }
  }

  /**
   * Records the attempt's usage event (written behind the call, see `LlmUsageService.enqueue`)
   * and adds it to the call's totals. A failed write is logged, not thrown.
   */
  private async meter(
    state: CallState,
    provider: LlmProvider,
    target: LlmTarget,
    attempt: number,
    started: number,
    status: 'ok' | 'error',
    errorKind: string | null,
    usage: LlmUsage,
    responseModel: string | null,
  ): Promise<void> {
    try {
      const { costUsd } =
        status === 'ok'
          ? await this.prices.price(target.provider, target.model, usage, responseModel ?? undefined)
          : { costUsd: 0 };
      const id = this.usage.enqueue({
        provider: target.provider,
        model: target.model,
        responseModel,
        usage,
        latencyMs: performance.now() - started,
        costUsd,
        status,
        errorKind,
        agentId: state.options.agent?.id ?? null,
        runId: state.options.runId ?? null,
        providerExtension: provider.extension,
        callerExtension: state.callerExtension,
        actorId: state.scope.actor.principalId,
        actorType: state.scope.actor.principalType,
        organizationId: state.organizationId,
        traceId: state.traceId,
        attempt,
        skills: state.skills,
      });
      state.usageEventIds.push(id);
      state.costUsd = Math.round((state.costUsd + costUsd) * 1e10) / 1e10;
      for (const key of Object.keys(ZERO_USAGE) as Array<keyof LlmUsage>) state.totalUsage[key] += usage[key];
    } catch (error) {
      this.logger.error(
        { err: error, provider: target.provider, model: target.model, traceId: state.traceId },
        'an LLM usage event could not be written',
      );
    }
  }

  private async mcpTools(selection: true | string[]): Promise<LlmToolDescriptor[]> {
    const available = await this.tools.list();
    if (selection === true) return available;
    const wanted = new Set(selection);
    return available.filter((tool) => wanted.has(tool.name));
  }

  /** Runs an MCP tool the model asked for; a throw becomes an error result the model reads. */
  private async callTool(name: string, call: LlmToolCall, signal: AbortSignal): Promise<CallToolResult> {
    try {
      return await this.tools.call(name, call.arguments ?? {}, { signal });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof KernelError))
        this.logger.warn({ err: error, tool: name }, 'a tool called by a model threw');
      return { content: [{ type: 'text', text: JSON.stringify({ error: { message } }) }], isError: true };
    }
  }

  private throwIfAborted(state: CallState): void {
    if (state.aborted === 'cancelled') throw llmCancelled(state.target, state.attempts);
    if (state.aborted === 'timeout') throw llmTimeout(state.target, state.attempts, state.options.timeoutMs);
  }

  private compileSchema(schema: Record<string, unknown>): ValidateFunction {
    let key: string | undefined;
    try {
      key = JSON.stringify(schema);
      const cached = this.schemas.get(key);
      if (cached) {
        // Most recently used last (a Map keeps insertion order).
        this.schemas.delete(key);
        this.schemas.set(key, cached);
        return cached.validate;
      }
      const validate = this.ajv.compile(schema);
      this.schemas.set(key, { schema, validate });
      if (this.schemas.size > SCHEMA_CACHE_SIZE) {
        const [oldest, entry] = this.schemas.entries().next().value!;
        this.schemas.delete(oldest);
        this.ajv.removeSchema(entry.schema);
      }
      return validate;
    } catch (error) {
      if (key !== undefined) this.ajv.removeSchema(schema);
      throw new KernelError(
        'validation_failed',
        `responseFormat.schema is not a valid JSON Schema: ${(error as Error).message}`,
        {
          errors: [{ path: '/responseFormat/schema', message: 'must be a valid JSON Schema' }],
        },
      );
    }
  }
}

export const LLM_ORCHESTRATOR: InjectionToken<LlmOrchestrator> = LlmOrchestrator;

/**
 * The provider and model a call uses. The provider is the first one named: by the call, by the
 * agent's preference, by the instance default. The model is the first one named by a level that
 * names no provider or the same provider, so a call naming only a provider never gets another
 * provider's model.
 */
export function chooseTarget(
  call: { provider?: string; model?: string },
  agent: LlmAgentContext | undefined,
  settings: Pick<LlmSettingsView, 'defaultTarget'>,
): LlmTarget {
  const levels: Array<Partial<LlmTarget>> = [
    { provider: call.provider, model: call.model },
    agent?.preferred ?? {},
    settings.defaultTarget ?? {},
  ];
  const provider = levels.find((level) => level.provider)?.provider;
  if (!provider) {
    throw new KernelError(
      'validation_failed',
      'No LLM provider is chosen for this call: pass provider and model, give the agent a preferred model (metadata.cinatra.llm), or set the instance default model in the LLM settings (defaultTarget).',
      {
        errors: [
          { path: '/provider', message: 'no provider chosen by the call, the agent or the LLM settings' },
        ],
      },
    );
  }
  const model = levels.find(
    (level) => level.model && (!level.provider || level.provider === provider),
  )?.model;
  if (!model) {
    throw new KernelError(
      'validation_failed',
      `No model is chosen for provider ${provider}: pass model, give the agent a preferred model, or set the instance default model of ${provider} in the LLM settings (defaultTarget).`,
      { errors: [{ path: '/model', message: `no model chosen for provider ${provider}` }] },
    );
  }
  return { provider, model };
}

function validateOptions(options: LlmCallOptions): void {
  const errors: FieldError[] = [];
  if (!Array.isArray(options?.messages) || options.messages.length === 0) {
    errors.push({ path: '/messages', message: 'must be a non-empty list of messages' });
  }
  const seen = new Set<string>();
  for (const [index, tool] of (options?.tools ?? []).entries()) {
    if (typeof tool?.name !== 'string' || !FUNCTION_NAME.test(tool.name)) {
      errors.push({ path: `/tools/${index}/name`, message: `must match ${LLM_FUNCTION_NAME_PATTERN}` });
    } else if (seen.has(tool.name)) {
      errors.push({ path: `/tools/${index}/name`, message: `${tool.name} is offered twice` });
    }
    seen.add(tool?.name);
  }
  const rounds = options?.maxToolRounds;
  if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 0 || rounds > MAX_TOOL_ROUNDS_LIMIT)) {
    errors.push({ path: '/maxToolRounds', message: `must be an integer from 0 to ${MAX_TOOL_ROUNDS_LIMIT}` });
  }
  const timeout = options?.timeoutMs;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1)) {
    errors.push({ path: '/timeoutMs', message: 'must be a positive integer of milliseconds' });
  }
  if (
    options?.responseFormat &&
    (typeof options.responseFormat.schema !== 'object' || options.responseFormat.schema === null)
  ) {
    errors.push({ path: '/responseFormat/schema', message: 'must be a JSON Schema object' });
  }
  if (errors.length > 0) {
    throw new KernelError('validation_failed', `LLM call: ${errors[0]!.path} ${errors[0]!.message}.`, {
      errors,
    });
  }
}

function mapToolChoice(choice: LlmToolChoice | undefined, names: LlmToolNameMap): LlmToolChoice | undefined {
  if (choice === undefined || typeof choice === 'string') return choice;
  return { name: names.toFunction.get(choice.name) ?? choice.name };
}

/** A call as callers know it: MCP tools by their MCP name. */
function withMcpName(call: LlmToolCall, names: LlmToolNameMap): LlmToolCall {
  const mcpName = names.toMcp.get(call.name);
  return mcpName ? { ...call, name: mcpName } : call;
}

function fallbackReason(from: LlmTarget, to: LlmTarget, why: string): string {
  return `${from.provider} (${from.model}): ${why}; falling back to ${to.provider} (${to.model})`;
}

/** What the model reads of a tool's result: its text parts (or the structured content as JSON). */
function toolResultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map((part) => {
    if (part.type === 'text') return part.text;
    if (part.type === 'resource' && part.resource.text !== undefined) return part.resource.text;
    if (part.type === 'resource_link') return `[resource ${part.uri}]`;
    return `[${part.type} content omitted]`;
  });
  const text = parts.join('\n');
  if (text.trim() === '' && result.structuredContent) return JSON.stringify(result.structuredContent);
  return text;
}

function normalizeUsage(usage: Partial<LlmUsage> | undefined): LlmUsage {
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
  return {
    inputTokens: count(usage?.inputTokens),
    outputTokens: count(usage?.outputTokens),
    cachedInputTokens: count(usage?.cachedInputTokens),
    reasoningTokens: count(usage?.reasoningTokens),
  };
}

/** The answer's JSON (a surrounding ```json fence is tolerated), checked against the schema. */
function parseStructured(
  text: string,
  validate: ValidateFunction,
): { ok: true; value: unknown } | { ok: false; errors: FieldError[] } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/.exec(text);
  let value: unknown;
  try {
    value = JSON.parse(fenced ? fenced[1]! : text);
  } catch {
    return { ok: false, errors: [{ path: '/', message: 'is not valid JSON' }] };
  }
  if (validate(value)) return { ok: true, value };
  return { ok: false, errors: schemaErrors(validate.errors) };
}

function schemaErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  const list = (errors ?? []).map((e) => {
    const params = e.params as { missingProperty?: unknown; additionalProperty?: unknown };
    const extra = params.missingProperty ?? params.additionalProperty;
    return {
      path: `${e.instancePath || ''}${typeof extra === 'string' ? `/${extra}` : ''}` || '/',
      message: e.message ?? 'is invalid',
    };
  });
  return list.length > 0 ? list : [{ path: '/', message: 'is invalid' }];
}

/** `promise`, or a rejection as soon as `signal` aborts (a provider ignoring the signal cannot hang the call). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
