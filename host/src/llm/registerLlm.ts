import { PRIMITIVE_REGISTRY, SKILLS, type Kernel } from '@cinatra/kernel';
import { EXTENSION_SKILLS, ExtensionSkills } from './ExtensionSkills.js';
import { llmPrimitives } from './llmPrimitives.js';

/**
 * Adds the host side of LLM orchestration to a kernel's container (after `registerExtensions`
 * and `registerMcp`): the skills directory of the configuration (`skills.dir`), the skills of
 * enabled extensions (followed as they are enabled and disabled), and the LLM administration
 * primitives. Resolves nothing that would build the orchestrator.
 */
export async function registerLlm(kernel: Kernel): Promise<void> {
  kernel.container.registerSingleton(ExtensionSkills);
  kernel.resolve(SKILLS).useDirectory(kernel.config.skills.dir);
  const primitives = kernel.resolve(PRIMITIVE_REGISTRY);
  for (const definition of llmPrimitives(kernel)) primitives.register(definition);
  await kernel.resolve(EXTENSION_SKILLS).start();
}
