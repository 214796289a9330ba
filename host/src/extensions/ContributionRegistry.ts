import { injectable, type InjectionToken } from 'tsyringe';
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

/**
 * What enabled extensions contribute, read from their manifests only: listing tools (with
 * their input schemas) never starts a process. The manager keeps it in step with the
 * `extensions` table: an extension is here exactly while it is enabled and its manifest valid.
 */
@injectable()
export class ContributionRegistry {
  private readonly manifests = new Map<string, ExtensionManifest>();

  set(manifest: ExtensionManifest): void {
    this.manifests.set(manifest.name, manifest);
  }

  remove(name: string): void {
    this.manifests.delete(name);
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
}

export function toolsOf(manifest: ExtensionManifest): McpToolContribution[] {
  return (manifest.cinatra.contributes.mcpTools ?? []).map((tool) => ({
    extension: manifest.name,
    version: manifest.version,
    ...tool,
  }));
}

export const CONTRIBUTION_REGISTRY: InjectionToken<ContributionRegistry> = ContributionRegistry;
