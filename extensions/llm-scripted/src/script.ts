import { RETRYABLE_LLM_ERRORS, type LlmErrorKind, type LlmFinishReason, type LlmUsage } from '@cinatra/sdk';

/**
 * The script the scripted provider replays: rules tried in order against each request; the first
 * whose `when` holds answers it. The format is documented in the README ("Script format").
 */
export interface Script {
  rules: Rule[];
}

export interface Rule {
  /** Shown in errors and the log. */
  name: string;
  when: Conditions;
  /** Exactly one of `respond` and `fail`. */
  respond?: Reply;
  fail?: Failure;
}

/** Every condition given must hold; none given matches every request. */
export interface Conditions {
  /** Regular expression (case-insensitive) the last user message must match; its groups are `{{1}}`…`{{9}}`. */
  lastUserMessage?: string;
  /** Whether the last message must (or must not) be a tool result. */
  afterToolResult?: boolean;
  /** Regular expression (case-insensitive) the last tool result must match. */
  toolResult?: string;
  /** Regular expression (case-insensitive, whole name) one of the offered tools must match; that tool is `{{tool}}`. */
  tool?: string;
  /** Whether the request must (or must not) ask for structured output. */
  responseFormat?: boolean;
  /** Regular expression (case-insensitive) the model id must match. */
  model?: string;
  /** Regular expression (case-insensitive) the system prompt must match. */
  system?: string;
}

export interface Reply {
  /** The answer's text; `{{…}}` placeholders are filled in. */
  text?: string;
  /** Structured output: any JSON value, sent as its JSON text (placeholders filled in its strings). */
  json?: unknown;
  toolCalls?: Array<{ name: string; arguments?: Record<string, unknown> }>;
  /** Default: `tool_calls` with tool calls, else `stop`. */
  finishReason?: LlmFinishReason;
  /** Overrides of the computed usage (four characters a token). */
  usage?: Partial<LlmUsage>;
}

export interface Failure {
  kind: LlmErrorKind;
  message?: string;
  status?: number;
  retryAfterMs?: number;
  /** Fail only the first `times` identical requests, then let the next rules answer. Default: always. */
  times?: number;
  /**
   * Streaming only: fail mid-answer, after this many text deltas of the answer the following
   * rules give (as a connection cut or a vendor error mid-stream would).
   */
  afterDeltas?: number;
}

const KINDS: readonly LlmErrorKind[] = [
  ...RETRYABLE_LLM_ERRORS,
  'authentication',
  'invalid_request',
  'content_filter',
  'not_found',
];
const FINISH_REASONS: readonly LlmFinishReason[] = [
  'stop',
  'length',
  'tool_calls',
  'content_filter',
  'other',
];
const CONDITION_KEYS = [
  'lastUserMessage',
  'afterToolResult',
  'toolResult',
  'tool',
  'responseFormat',
  'model',
  'system',
];
const PATTERN_KEYS = ['lastUserMessage', 'toolResult', 'tool', 'model', 'system'];

/** A script that is not valid, with where (`source`, rule) and why. */
export class ScriptError extends Error {
  override readonly name = 'ScriptError';
}

/** Checks a parsed script file (`source` names it in errors) and returns it typed. */
export function parseScript(value: unknown, source: string): Script {
  const fail = (where: string, why: string): never => {
    throw new ScriptError(`${source}: ${where}: ${why}`);
  };
  if (!isObject(value) || !Array.isArray(value.rules))
    fail('the script', 'must be an object with a "rules" array');
  const rules = (value as { rules: unknown[] }).rules;
  return {
    rules: rules.map((raw, index): Rule => {
      const where = `rules[${index}]`;
      if (!isObject(raw)) return fail(where, 'must be an object');
      const name = raw.name === undefined ? where : raw.name;
      if (typeof name !== 'string') return fail(where, '"name" must be a string');
      const when = raw.when ?? {};
      if (!isObject(when)) return fail(`${where}.when`, 'must be an object');
      for (const key of Object.keys(when)) {
        if (!CONDITION_KEYS.includes(key))
          fail(`${where}.when`, `unknown condition "${key}" (known: ${CONDITION_KEYS.join(', ')})`);
      }
      for (const key of PATTERN_KEYS) {
        const pattern = when[key];
        if (pattern === undefined) continue;
        if (typeof pattern !== 'string') fail(`${where}.when.${key}`, 'must be a regular expression string');
        try {
          new RegExp(pattern as string, 'i');
        } catch (error) {
          fail(`${where}.when.${key}`, (error as Error).message);
        }
      }
      for (const key of ['afterToolResult', 'responseFormat']) {
        if (when[key] !== undefined && typeof when[key] !== 'boolean')
          fail(`${where}.when.${key}`, 'must be true or false');
      }
      if ((raw.respond === undefined) === (raw.fail === undefined)) {
        fail(where, 'needs exactly one of "respond" and "fail"');
      }
      const rule: Rule = { name, when: when as Conditions };
      if (raw.respond !== undefined) rule.respond = checkReply(raw.respond, `${where}.respond`, fail);
      if (raw.fail !== undefined) rule.fail = checkFailure(raw.fail, `${where}.fail`, fail);
      return rule;
    }),
  };
}

function checkReply(value: unknown, where: string, fail: (where: string, why: string) => never): Reply {
  if (!isObject(value)) return fail(where, 'must be an object');
  if (value.text !== undefined && typeof value.text !== 'string') fail(`${where}.text`, 'must be a string');
  if (value.text !== undefined && value.json !== undefined) fail(where, 'has both "text" and "json"');
  if (value.toolCalls !== undefined) {
    if (!Array.isArray(value.toolCalls)) fail(`${where}.toolCalls`, 'must be an array');
    (value.toolCalls as unknown[]).forEach((call, index) => {
      if (!isObject(call) || typeof call.name !== 'string' || call.name === '') {
        fail(`${where}.toolCalls[${index}]`, 'needs a "name"');
      }
      if (
        (call as Record<string, unknown>).arguments !== undefined &&
        !isObject((call as Record<string, unknown>).arguments)
      ) {
        fail(`${where}.toolCalls[${index}].arguments`, 'must be an object');
      }
    });
  }
  if (value.finishReason !== undefined && !FINISH_REASONS.includes(value.finishReason as LlmFinishReason)) {
    fail(`${where}.finishReason`, `must be one of ${FINISH_REASONS.join(', ')}`);
  }
  if (value.usage !== undefined) {
    if (!isObject(value.usage)) fail(`${where}.usage`, 'must be an object');
    for (const [key, count] of Object.entries(value.usage as object)) {
      if (!['inputTokens', 'outputTokens', 'cachedInputTokens', 'reasoningTokens'].includes(key)) {
        fail(`${where}.usage`, `unknown count "${key}"`);
      }
      if (!Number.isInteger(count) || (count as number) < 0)
        fail(`${where}.usage.${key}`, 'must be a whole number');
    }
  }
  return value as Reply;
}

function checkFailure(value: unknown, where: string, fail: (where: string, why: string) => never): Failure {
  if (!isObject(value)) return fail(where, 'must be an object');
  if (!KINDS.includes(value.kind as LlmErrorKind))
    fail(`${where}.kind`, `must be one of ${KINDS.join(', ')}`);
  if (value.message !== undefined && typeof value.message !== 'string')
    fail(`${where}.message`, 'must be a string');
  for (const key of ['status', 'retryAfterMs', 'times', 'afterDeltas']) {
    const count = value[key];
    if (count !== undefined && (!Number.isInteger(count) || (count as number) < 0)) {
      fail(`${where}.${key}`, 'must be a whole number');
    }
  }
  return value as unknown as Failure;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
