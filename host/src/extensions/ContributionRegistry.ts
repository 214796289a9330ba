import { inject, injectable, type InjectionToken } from 'tsyringe';
import { LOGGER, type Logger } from '@cinatra/kernel';
import { activationEventsOf, type ExtensionManifest } from '@cinatra/sdk';

/** An MCP tool an enabled extension contributes, as its manifest declares it. */
export interface McpToolContribution {
  extension: string;
  version: string;
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, boolean | undefined>;
}

/** An LLM provider an enabled extension contributes, as its manifest declares it. */
export interface LlmProviderContribution {
  extension: string;
  version: string;
  id: string;
  displayName: string;
  description?: string;
  /** Model ids the provider declares; empty when it accepts any. */
  models: string[];
}

/** A skill an enabled extension contributes: a SKILL.md inside its package. */
export interface SkillContribution {
  extension: string;
  version: string;
  /** The skill's name in the catalog (its SKILL.md must carry the same `name`). */
  id: string;
  displayName: string;
  description?: string;
  /** Package-relative path of the SKILL.md. */
  path: string;
}

/** Sent when an extension's contributed tools, LLM providers or skills appear, change or go (enable, disable, update…). */
export interface ContributionChange {
  extension: string;
}

export type ContributionChangeListener = (change: ContributionChange) => void;

/**
 * What enabled extensions contribute, read from their manifests only: listing tools (with
 * their input schemas) never starts a process. The manager keeps it in step with the
 * `extensions` table: an extension is here exactly while it is enabled and its manifest valid.
 */
@injectable()
export class ContributionRegistry {
  private readonly manifests = new Map<string, ExtensionManifest>();
  private readonly listeners = new Set<ContributionChangeListener>();

  constructor(@inject(LOGGER) private readonly logger: Logger) {}

  set(manifest: ExtensionManifest): void {
    const before = this.manifests.get(manifest.name);
    this.manifests.set(manifest.name, manifest);
    // The manager sets the manifest again on every activation; only a real change is news
    // (the MCP gateway turns changes into `notifications/tools/list_changed`, the LLM provider
    // bridge into (un)registrations).
    if (!before || contributionsKey(before) !== contributionsKey(manifest)) {
      this.emit({ extension: manifest.name });
    }
  }

  remove(name: string): void {
    if (this.manifests.delete(name)) this.emit({ extension: name });
  }

  /** Calls `listener` whenever the contributed tools, LLM providers or skills change; returns the unsubscribe function. */
  onChange(listener: ContributionChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  has(name: string): boolean {
    return this.manifests.has(name);
  }

  /** The enabled extensions' package names, sorted. */
  extensions(): string[] {
    return [...this.manifests.keys()].sort();
  }

  manifest(name: string): ExtensionManifest | undefined {
    return this.manifests.get(name);
  }

  /** Every contributed MCP tool, by extension then tool name. */
  mcpTools(): McpToolContribution[] {
    return [...this.manifests.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((manifest) => toolsOf(manifest));
  }

  mcpTool(extension: string, toolName: string): McpToolContribution | undefined {
    const manifest = this.manifests.get(extension);
    return manifest && toolsOf(manifest).find((tool) => tool.name === toolName);
  }

  /**
   * Every contributed LLM provider, by extension name then manifest order. Two extensions may
   * declare the same id: the first one here serves it (see `ExtensionLlmProviders`).
   */
  llmProviders(): LlmProviderContribution[] {
    return [...this.manifests.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((manifest) => llmProvidersOf(manifest));
  }

  /** Extensions that start with the platform (`onStartup`) rather than on first use. */
  startupExtensions(): string[] {
    return [...this.manifests.values()]
      .filter((manifest) => activationEventsOf(manifest).includes('onStartup'))
      .map((manifest) => manifest.name);
  }

  private emit(change: ContributionChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error, change }, 'a contribution change listener failed');
      }
    }
  }
}

export function toolsOf(manifest: ExtensionManifest): McpToolContribution[] {
  return (manifest.cinatra.contributes.mcpTools ?? []).map((tool) => ({
    extension: manifest.name,
    version: manifest.version,
    ...tool,
  }));
}

export function skillsOf(manifest: ExtensionManifest): SkillContribution[] {
  return (manifest.cinatra.contributes.skills ?? []).map((declared) => {
    // The schema has `path`; the static type of the shared id-contribution shape does not.
    const skill = declared as typeof declared & { path: string };
    return { extension: manifest.name, version: manifest.version, ...skill };
  });
}

export function llmProvidersOf(manifest: ExtensionManifest): LlmProviderContribution[] {
  return (manifest.cinatra.contributes.llmProviders ?? []).map((declared) => {
    // The schema has `models`; the static type of the shared id-contribution shape does not.
    const { models, ...provider } = declared as typeof declared & { models?: string[] };
    return { extension: manifest.name, version: manifest.version, ...provider, models: models ?? [] };
  });
}

/** What listeners are told about: a manifest set again with the same key is no change. */
function contributionsKey(manifest: ExtensionManifest): string {
  return JSON.stringify([toolsOf(manifest), llmProvidersOf(manifest), skillsOf(manifest)]);
}

export const CONTRIBUTION_REGISTRY: InjectionToken<ContributionRegistry> = ContributionRegistry;
