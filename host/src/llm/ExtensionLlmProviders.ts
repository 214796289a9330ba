import { inject, injectable, type InjectionToken } from 'tsyringe';
import { LLM_PROVIDERS, LOGGER, type LlmProviderRegistry, type Logger } from '@cinatra/kernel';
import {
  CONTRIBUTION_REGISTRY,
  type ContributionRegistry,
  type LlmProviderContribution,
} from '../extensions/ContributionRegistry.js';
import { EXTENSION_MANAGER, type ExtensionManager } from '../extensions/ExtensionManager.js';
import { ExtensionLlmProvider } from './ExtensionLlmProvider.js';

/**
 * Keeps the kernel's `LLM_PROVIDERS` in step with the `contributes.llmProviders` of the enabled
 * extensions: a provider is registered when its extension is enabled (from the manifest, without
 * starting it), re-registered when an update changes its name or models, and unregistered when
 * the extension is disabled, quarantined, archived or uninstalled.
 *
 * A provider id is served by one extension: when two enabled extensions declare the same id, the
 * first by package name serves it and the other's is logged and left out, as MCP tool name
 * collisions are. An id the registry already holds from elsewhere (a provider built into the
 * kernel) is refused by the registry and logged the same way.
 */
@injectable()
export class ExtensionLlmProviders {
  /** Provider id → the contribution it is registered for, and how to take it back. */
  private readonly registered = new Map<
    string,
    { contribution: LlmProviderContribution; unregister: () => void }
  >();
  private following = false;

  constructor(
    @inject(LLM_PROVIDERS) private readonly registry: LlmProviderRegistry,
    @inject(CONTRIBUTION_REGISTRY) private readonly contributions: ContributionRegistry,
    @inject(EXTENSION_MANAGER) private readonly manager: ExtensionManager,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Registers the providers contributed now and follows every later change. */
  start(): void {
    if (!this.following) {
      this.following = true;
      this.contributions.onChange(() => this.sync());
    }
    this.sync();
  }

  private sync(): void {
    const wanted = new Map<string, LlmProviderContribution>();
    for (const contribution of this.contributions.llmProviders()) {
      const holder = wanted.get(contribution.id);
      if (holder) {
        this.logger.warn(
          { extension: contribution.extension, provider: contribution.id, holder: holder.extension },
          `LLM provider ${contribution.id} is served by ${holder.extension}; the one of ${contribution.extension} is not registered`,
        );
        continue;
      }
      wanted.set(contribution.id, contribution);
    }
    for (const [id, entry] of this.registered) {
      const next = wanted.get(id);
      if (next && sameProvider(entry.contribution, next)) continue;
      this.registered.delete(id);
      entry.unregister();
    }
    for (const [id, contribution] of wanted) {
      if (this.registered.has(id)) continue;
      try {
        const unregister = this.registry.register(new ExtensionLlmProvider(contribution, this.manager));
        this.registered.set(id, { contribution, unregister });
      } catch (error) {
        this.logger.warn(
          { err: error, extension: contribution.extension, provider: id },
          `LLM provider ${id} of ${contribution.extension} is not registered`,
        );
      }
    }
  }
}

/** Same extension, name and models: the registered provider object stays valid (a version bump is not a change). */
function sameProvider(a: LlmProviderContribution, b: LlmProviderContribution): boolean {
  return (
    a.extension === b.extension &&
    a.displayName === b.displayName &&
    JSON.stringify(a.models) === JSON.stringify(b.models)
  );
}

export const EXTENSION_LLM_PROVIDERS: InjectionToken<ExtensionLlmProviders> = ExtensionLlmProviders;
