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

/** Sent when an extension's contributed tools appear, change or go (enable, disable, update…). */
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
    // (the MCP gateway turns changes into `notifications/tools/list_changed`).
    if (!before || JSON.stringify(toolsOf(before)) !== JSON.stringify(toolsOf(manifest))) {
      this.emit({ extension: manifest.name });
    }
  }

  remove(name: string): void {
    if (this.manifests.delete(name)) this.emit({ extension: name });
  }

  /** Calls `listener` whenever the set of contributed tools changes; returns the unsubscribe function. */
  onChange(listener: ContributionChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  has(name: string): boolean {
    return this.manifests.has(name);
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

export const CONTRIBUTION_REGISTRY: InjectionToken<ContributionRegistry> = ContributionRegistry;
