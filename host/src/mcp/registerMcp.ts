import {
  AUDIT_LOG,
  AUTHORIZER,
  CLASSIFICATION_REGISTRY,
  LLM_TOOL_SOURCE,
  SKILLS,
  type Kernel,
} from '@cinatra/kernel';
import { EXTENSION_MANAGER } from '../extensions/ExtensionManager.js';
import { MCP_PROMPT_REGISTRY, McpPromptRegistry } from './McpPromptRegistry.js';
import { McpResourceCatalog } from './McpResourceCatalog.js';
import { MCP_TOOL_CATALOG, McpToolCatalog } from './McpToolCatalog.js';
import { reviewExtensionPrompt } from './reviewExtensionPrompt.js';
import { useSkillPrompt } from './useSkillPrompt.js';

/**
 * Adds what the MCP gateway serves to a kernel's container (after `registerExtensions`): the
 * tool catalogue — also the kernel's `LLM_TOOL_SOURCE`, so a model is offered exactly the tools
 * an MCP client of the same actor sees — the resource catalogue, and the prompt registry with
 * the built-in prompts. The gateway itself belongs to the HTTP server (`mcpRoutes`).
 */
export function registerMcp(kernel: Kernel): void {
  const { container } = kernel;
  for (const service of [McpToolCatalog, McpResourceCatalog, McpPromptRegistry]) {
    container.registerSingleton(service as new (...args: never[]) => unknown);
  }
  container.register(LLM_TOOL_SOURCE, { useFactory: (c) => c.resolve(MCP_TOOL_CATALOG) });
  const prompts = kernel.resolve(MCP_PROMPT_REGISTRY);
  const classifications = kernel.resolve(CLASSIFICATION_REGISTRY);
  prompts.register(
    reviewExtensionPrompt({
      extensions: kernel.resolve(EXTENSION_MANAGER),
      audit: kernel.resolve(AUDIT_LOG),
      authorizer: kernel.resolve(AUTHORIZER),
      classifications,
    }),
  );
  prompts.register(useSkillPrompt(kernel.resolve(SKILLS), classifications));
}
