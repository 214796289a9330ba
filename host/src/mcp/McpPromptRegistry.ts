import { inject, injectable, type InjectionToken } from 'tsyringe';
import type { GetPromptResult, Prompt } from '@modelcontextprotocol/sdk/types.js';
import { KernelError, LOGGER, PRIMITIVE_NAME_PATTERN, type ActorContext, type Logger } from '@cinatra/kernel';

/** One argument a prompt takes; MCP prompt arguments are strings. */
export interface PromptArgument {
  name: string;
  description: string;
  required?: boolean;
}

/** What a prompt's `render` learns about the request besides its arguments. */
export interface PromptRenderContext {
  actor: ActorContext;
  /** The MCP session the request came in (recorded with the reads a prompt makes), else null. */
  sessionId: string | null;
  signal: AbortSignal | undefined;
}

/**
 * A prompt template offered over MCP (`prompts/list`, `prompts/get`). Built-in prompts are
 * registered by the host; the LLM skills catalogue can register one per skill.
 */
export interface PromptDefinition {
  /** `^[A-Za-z0-9._-]{1,128}$`, unique: `cinatra.review_extension`, `skill.<name>`. */
  name: string;
  title?: string;
  description: string;
  arguments: PromptArgument[];
  /**
   * Whether `actor` is shown the prompt (a pure decision, not audited). Default: any signed-in
   * principal. `render` still authorizes the reads it makes.
   */
  visibleTo?(actor: ActorContext): boolean;
  /**
   * The prompt's messages for these arguments (all required ones are present, no unknown ones).
   * Throw `KernelError` `validation_failed` with `errors[].path` `/arguments/<name>` for a value
   * that is wrong, `forbidden` when the actor may not read what the prompt needs.
   */
  render(args: Record<string, string>, context: PromptRenderContext): Promise<GetPromptResult>;
}

/**
 * The prompts the MCP gateway serves. A registration is refused (throws) when the name is
 * illegal or taken; `register` returns the function that removes it again. Listeners hear of
 * every registration and removal (the gateway sends `notifications/prompts/list_changed`).
 */
@injectable()
export class McpPromptRegistry {
  private readonly prompts = new Map<string, PromptDefinition>();
  private readonly listeners = new Set<() => void>();

  constructor(@inject(LOGGER) private readonly logger: Logger) {}

  register(definition: PromptDefinition): () => void {
    if (!new RegExp(PRIMITIVE_NAME_PATTERN).test(definition.name)) {
      throw new Error(
        `Prompt name ${JSON.stringify(definition.name)} does not match ${PRIMITIVE_NAME_PATTERN}.`,
      );
    }
    if (this.prompts.has(definition.name))
      throw new Error(`A prompt named ${definition.name} is already registered.`);
    this.prompts.set(definition.name, definition);
    this.emit();
    return () => {
      if (this.prompts.get(definition.name) === definition) {
        this.prompts.delete(definition.name);
        this.emit();
      }
    };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The prompts `actor` is shown, by name. */
  listFor(actor: ActorContext): Prompt[] {
    return [...this.prompts.values()]
      .filter((prompt) => isVisible(prompt, actor))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((prompt) => ({
        name: prompt.name,
        ...(prompt.title !== undefined ? { title: prompt.title } : {}),
        description: prompt.description,
        arguments: prompt.arguments.map((argument) => ({
          ...argument,
          required: argument.required ?? false,
        })),
      }));
  }

  /**
   * Renders prompt `name`. An unknown (or hidden) prompt is `not_found`; a missing required or
   * an unknown argument is `validation_failed` naming it (`/arguments/<name>`).
   */
  async get(
    name: string,
    args: Record<string, string>,
    context: PromptRenderContext,
  ): Promise<GetPromptResult> {
    const prompt = this.prompts.get(name);
    if (!prompt || !isVisible(prompt, context.actor)) {
      throw new KernelError('not_found', `No prompt named ${name} is available to you.`);
    }
    const known = new Set(prompt.arguments.map((argument) => argument.name));
    for (const given of Object.keys(args)) {
      if (!known.has(given)) {
        throw invalidArgument(
          given,
          `Prompt ${name} has no argument ${given}.`,
          'is not an argument of this prompt',
        );
      }
    }
    for (const argument of prompt.arguments) {
      if (argument.required && (args[argument.name] ?? '').trim() === '') {
        throw invalidArgument(
          argument.name,
          `Prompt ${name} needs the argument ${argument.name} (${argument.description}).`,
          'is required',
        );
      }
    }
    return prompt.render(args, context);
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error({ err: error }, 'a prompt change listener failed');
      }
    }
  }
}

function isVisible(prompt: PromptDefinition, actor: ActorContext): boolean {
  if (actor.principalType === 'anonymous' || actor.principalId === null) return false;
  return prompt.visibleTo?.(actor) ?? true;
}

/** A `validation_failed` error naming prompt argument `name`. */
export function invalidArgument(name: string, message: string, problem: string): KernelError {
  return new KernelError('validation_failed', message, {
    errors: [{ path: `/arguments/${name}`, message: problem }],
  });
}

export const MCP_PROMPT_REGISTRY: InjectionToken<McpPromptRegistry> = McpPromptRegistry;
