import { inject, injectable, type InjectionToken } from 'tsyringe';
import { KernelError } from '../errors/KernelError.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import type { LlmProvider, LlmProviderChange } from './LlmProvider.js';

export type LlmProviderChangeListener = (change: LlmProviderChange) => void;

/**
 * The providers the orchestrator may choose from, by id. The host keeps it in step with the
 * enabled extensions' `contributes.llmProviders`; a provider id is served by one extension at a
 * time (a second registration of the same id is refused, so a package cannot shadow another's).
 */
@injectable()
export class LlmProviderRegistry {
  private readonly providers = new Map<string, LlmProvider>();
  private readonly listeners = new Set<LlmProviderChangeListener>();

  constructor(@inject(LOGGER) private readonly logger: Logger) {}

  /** Adds `provider`; returns the function removing exactly this registration. */
  register(provider: LlmProvider): () => void {
    const existing = this.providers.get(provider.id);
    if (existing) {
      throw new Error(
        `LLM provider "${provider.id}" is already served by ${existing.extension ?? 'the kernel'}; ${provider.extension ?? 'the kernel'} cannot register it too.`,
      );
    }
    this.providers.set(provider.id, provider);
    this.emit({ provider: provider.id, registered: true });
    return () => {
      if (this.providers.get(provider.id) !== provider) return;
      this.providers.delete(provider.id);
      this.emit({ provider: provider.id, registered: false });
    };
  }

  get(id: string): LlmProvider | undefined {
    return this.providers.get(id);
  }

  /** The provider `id`, or a `not_found` error naming the ones there are. */
  require(id: string): LlmProvider {
    const provider = this.providers.get(id);
    if (provider) return provider;
    const known = [...this.providers.keys()].sort();
    throw new KernelError(
      'not_found',
      `No LLM provider "${id}" is available (${known.length ? `available: ${known.join(', ')}` : 'no provider extension is enabled'}).`,
    );
  }

  list(): LlmProvider[] {
    return [...this.providers.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  onChange(listener: LlmProviderChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: LlmProviderChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error, change }, 'an LLM provider change listener failed');
      }
    }
  }
}

export const LLM_PROVIDERS: InjectionToken<LlmProviderRegistry> = LlmProviderRegistry;
