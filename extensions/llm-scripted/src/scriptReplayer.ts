import { createHash } from 'node:crypto';
import {
  LlmProviderError,
  type LlmMessage,
  type LlmRequest,
  type LlmResponse,
  type LlmStreamEvent,
  type LlmToolCall,
} from '@cinatra/sdk';
import { exampleOfSchema } from './exampleOfSchema.js';
import type { Conditions, Failure, Rule, Script } from './script.js';

/** The answer to one request: a response, or a failure (maybe after some streamed deltas). */
export type Outcome =
  | { response: LlmResponse; rule: string }
  | { failure: LlmProviderError; rule: string; partial?: LlmResponse; afterDeltas: number };

/** The rule every script ends with: echo, or for structured output a value of the schema. */
const FALLBACK: Rule = {
  name: 'fallback',
  when: {},
  respond: { text: 'You said: {{lastUserMessage}}' },
};
const AFTER_TOOL_FALLBACK: Rule = {
  name: 'fallback-after-tool',
  when: { afterToolResult: true },
  respond: { text: '{{toolName}} returned: {{toolResult}}' },
};

/**
 * Replays scripts deterministically: the same script and the same requests give the same
 * outcomes, byte for byte (ids are digests of the request, token counts are computed from
 * lengths). The only state is how often a `fail` rule with `times` has failed each distinct
 * request, so a demo can show a retried call succeeding.
 */
export class ScriptReplayer {
  private readonly failures = new Map<string, number>();

  /** Answers `request` from `scripts` (tried in order), then the built-in fallbacks. */
  answer(request: LlmRequest, scripts: readonly Script[]): Outcome {
    const rules = [...scripts.flatMap((script) => script.rules), AFTER_TOOL_FALLBACK, FALLBACK];
    const digest = sha256(JSON.stringify(request));
    for (const [index, rule] of rules.entries()) {
      const match = matches(rule.when, request);
      if (!match) continue;
      if (rule.fail) {
        const key = `${index}\0${digest}`;
        const failed = this.failures.get(key) ?? 0;
        if (rule.fail.times !== undefined && failed >= rule.fail.times) continue;
        this.failures.set(key, failed + 1);
        const partial = rule.fail.afterDeltas
          ? this.answerFrom(request, rules.slice(index + 1), digest)
          : undefined;
        return {
          rule: rule.name,
          failure: failure(rule.fail, rule.name),
          ...(partial ? { partial } : {}),
          afterDeltas: rule.fail.afterDeltas ?? 0,
        };
      }
      return { rule: rule.name, response: respond(rule, request, match, digest) };
    }
    throw new Error('unreachable: the fallback rule matches every request');
  }

  private answerFrom(request: LlmRequest, rules: Rule[], digest: string): LlmResponse | undefined {
    for (const rule of rules) {
      const match = matches(rule.when, request);
      if (match && rule.respond) return respond(rule, request, match, digest);
    }
    return undefined;
  }
}

/**
 * The events of a streamed answer: the text in deterministic deltas (a word each, long words in
 * pieces of 24 characters), each tool call complete, then the finish.
 */
export function streamOf(response: LlmResponse): LlmStreamEvent[] {
  return [
    ...textDeltas(response.text).map((text) => ({ type: 'text-delta' as const, text })),
    ...response.toolCalls.map((toolCall) => ({ type: 'tool-call' as const, toolCall })),
    { type: 'finish', response },
  ];
}

export function textDeltas(text: string): string[] {
  return (text.match(/[^ ]+ *| +/g) ?? []).flatMap((word) => word.match(/.{1,24}/gsu) ?? []);
}

/** What a rule's placeholders can name, when its conditions hold. */
interface Match {
  groups: string[];
  tool: string;
}

function matches(when: Conditions, request: LlmRequest): Match | null {
  const test = (pattern: string | undefined, value: string | undefined) =>
    pattern === undefined ? [] : value === undefined ? null : new RegExp(pattern, 'i').exec(value);
  const last = request.messages.at(-1);
  const lastUser = lastOf(request.messages, 'user');
  if (when.afterToolResult !== undefined && (last?.role === 'tool') !== when.afterToolResult) return null;
  if (when.responseFormat !== undefined && (request.responseFormat !== undefined) !== when.responseFormat)
    return null;
  const user = test(when.lastUserMessage, lastUser?.content);
  if (!user) return null;
  if (!test(when.toolResult, last?.role === 'tool' ? last.content : undefined)) return null;
  if (!test(when.model, request.model)) return null;
  if (!test(when.system, request.system ?? '')) return null;
  let tool = '';
  if (when.tool !== undefined) {
    const pattern = new RegExp(`^(?:${when.tool})$`, 'i');
    const offered = request.tools?.find((candidate) => pattern.test(candidate.name));
    if (!offered) return null;
    tool = offered.name;
  }
  return { groups: Array.from(user).slice(1), tool };
}

function respond(rule: Rule, request: LlmRequest, match: Match, digest: string): LlmResponse {
  const reply = rule.respond!;
  const fill = (template: string) => fillTemplate(template, request, match);
  const builtIn = rule === FALLBACK || rule === AFTER_TOOL_FALLBACK;
  let text = '';
  if (reply.json !== undefined) text = JSON.stringify(fillDeep(reply.json, fill));
  else if (request.responseFormat && !reply.toolCalls?.length && (reply.text === undefined || builtIn)) {
    // Structured output no rule wrote: a value of the requested schema.
    const lastUser = lastOf(request.messages, 'user')?.content ?? '';
    text = JSON.stringify(exampleOfSchema(request.responseFormat.schema, lastUser));
  } else if (reply.text !== undefined) text = fill(reply.text);
  const toolCalls: LlmToolCall[] = (reply.toolCalls ?? []).map((call, index) => ({
    id: `call_${sha256(`${digest}:${index}`).slice(0, 24)}`,
    name: fill(call.name),
    arguments: fillDeep(call.arguments ?? {}, fill) as Record<string, unknown>,
  }));
  const inputTokens = tokens(JSON.stringify([request.system ?? '', request.messages, request.tools ?? []]));
  const outputTokens = tokens(text) + (toolCalls.length > 0 ? tokens(JSON.stringify(toolCalls)) : 0);
  return {
    model: request.model,
    text,
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: { inputTokens, outputTokens, cachedInputTokens: 0, reasoningTokens: 0, ...reply.usage },
    responseId: `scripted-${digest.slice(0, 24)}`,
  };
}

function failure(fail: Failure, rule: string): LlmProviderError {
  return new LlmProviderError(fail.message ?? `Scripted ${fail.kind} (rule "${rule}")`, {
    kind: fail.kind,
    ...(fail.status !== undefined ? { status: fail.status } : {}),
    ...(fail.retryAfterMs !== undefined ? { retryAfterMs: fail.retryAfterMs } : {}),
    vendorCode: 'scripted',
  });
}

/** `{{lastUserMessage}}`, `{{toolResult}}`, `{{toolName}}`, `{{tool}}`, `{{model}}`, `{{1}}`…`{{9}}`. */
function fillTemplate(template: string, request: LlmRequest, match: Match): string {
  const lastTool = lastOf(request.messages, 'tool');
  const values: Record<string, string> = {
    lastUserMessage: lastOf(request.messages, 'user')?.content ?? '',
    toolResult: lastTool?.content ?? '',
    toolName: lastTool?.name ?? '',
    tool: match.tool,
    model: request.model,
  };
  return template.replace(/\{\{\s*([A-Za-z]+|[1-9])\s*\}\}/g, (whole, name: string) =>
    /^[1-9]$/.test(name) ? (match.groups[Number(name) - 1] ?? '') : (values[name] ?? whole),
  );
}

function fillDeep(value: unknown, fill: (template: string) => string): unknown {
  if (typeof value === 'string') return fill(value);
  if (Array.isArray(value)) return value.map((item) => fillDeep(item, fill));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillDeep(item, fill)]));
  }
  return value;
}

function lastOf<R extends LlmMessage['role']>(
  messages: LlmMessage[],
  role: R,
): Extract<LlmMessage, { role: R }> | undefined {
  return messages.findLast((message): message is Extract<LlmMessage, { role: R }> => message.role === role);
}

const tokens = (text: string) => Math.ceil(text.length / 4);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
