import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type {
  LlmFinishReason,
  LlmRequest,
  LlmResponse,
  LlmStreamEvent,
  LlmToolCall,
  LlmUsage,
} from '@cinatra/sdk';
import type { ActorContext, LlmClock, LlmProvider, LlmProviderCall } from '../src/index.js';

/**
 * What a scripted provider does for one request: answer, throw, answer after a while (or when
 * told), or, when streamed, send some text and then fail.
 */
export type Step =
  | LlmResponse
  | Error
  | ((request: LlmRequest, call: LlmProviderCall) => Promise<LlmResponse>)
  | { streamThenFail: string; error: Error };

/**
 * A provider written for these tests: each request takes the next step of its script and is
 * remembered with the call options it came with. Streams cut answers into a few deltas.
 */
export class ScriptedProvider implements LlmProvider {
  readonly displayName: string;
  readonly models: readonly string[] = [];
  readonly requests: LlmRequest[] = [];
  readonly calls: LlmProviderCall[] = [];

  constructor(
    readonly id: string,
    private readonly steps: Step[],
    readonly extension: string | null = `@test/llm-${id}`,
  ) {
    this.displayName = id;
  }

  async generate(request: LlmRequest, call: LlmProviderCall): Promise<LlmResponse> {
    const step = this.next(request, call);
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(request, call);
    if ('streamThenFail' in step) throw step.error;
    return step;
  }

  async *stream(request: LlmRequest, call: LlmProviderCall): AsyncIterable<LlmStreamEvent> {
    const step = this.next(request, call);
    if (step instanceof Error) throw step;
    if (typeof step !== 'function' && 'streamThenFail' in step) {
      yield { type: 'text-delta', text: step.streamThenFail };
      throw step.error;
    }
    const response = typeof step === 'function' ? await step(request, call) : step;
    for (const piece of response.text.match(/.{1,4}/gs) ?? []) yield { type: 'text-delta', text: piece };
    for (const toolCall of response.toolCalls) yield { type: 'tool-call', toolCall };
    yield { type: 'finish', response };
  }

  get remaining(): number {
    return this.steps.length;
  }

  private next(request: LlmRequest, call: LlmProviderCall): Step {
    this.requests.push(structuredClone(request));
    this.calls.push(call);
    const step = this.steps.shift();
    if (!step) throw new Error(`provider ${this.id} was called more often than its script says`);
    return step;
  }
}

export function usage(partial: Partial<LlmUsage> = {}): LlmUsage {
  return { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, reasoningTokens: 0, ...partial };
}

export function reply(
  text: string,
  options: {
    toolCalls?: LlmToolCall[];
    usage?: Partial<LlmUsage>;
    model?: string;
    finishReason?: LlmFinishReason;
  } = {},
): LlmResponse {
  const toolCalls = options.toolCalls ?? [];
  return {
    model: options.model ?? 'scripted-model',
    text,
    toolCalls,
    finishReason: options.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: usage(options.usage),
  };
}

/** A response that never comes; rejects with the signal's reason when the call is aborted (like a real SDK). */
export function hangUntilAborted(_request: LlmRequest, call: LlmProviderCall): Promise<LlmResponse> {
  return new Promise((_resolve, reject) => {
    call.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), {
      once: true,
    });
  });
}

/** A response that never comes and ignores the abort signal. */
export function hangForever(): Promise<LlmResponse> {
  return new Promise(() => undefined);
}

/** Back-off without waiting: records every requested sleep; jitter is fixed at `random`. */
export function recordingClock(random = 0.5): LlmClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      if (signal.aborted) throw signal.reason;
    },
    random: () => random,
  };
}

/** A logger whose lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

export function actor(
  id: string,
  options: {
    platformRole?: 'platform_admin' | 'member';
    organizations?: ActorContext['organizations'];
    principalType?: ActorContext['principalType'];
  } = {},
): ActorContext {
  return {
    principalId: id,
    principalType: options.principalType ?? 'user',
    displayName: id,
    platformRole: options.platformRole ?? 'member',
    organizations: options.organizations ?? [],
    teams: [],
    tokenScopes: null,
    authSource: 'session',
    credentialId: null,
  };
}
