import { CLASSIFICATION_REGISTRY, runAsActor, systemActor, type Kernel } from '@cinatra/kernel';
import { EXTENSION_LLM_PROVIDERS, ExtensionLlmProviders } from '../llm/ExtensionLlmProviders.js';
import { ContributionRegistry } from './ContributionRegistry.js';
import { EXTENSION_CLASSIFICATIONS } from './extensionClassifications.js';
import { ExtensionLogBuffer } from './ExtensionLogBuffer.js';
import { EXTENSION_MANAGER, ExtensionManager } from './ExtensionManager.js';
import { ExtensionSupervisor } from './ExtensionSupervisor.js';
import { HostApiDispatcher } from './HostApiDispatcher.js';
import { InstallJournal } from './install/InstallJournal.js';
import { INSTALL_PIPELINE, InstallPipeline } from './install/InstallPipeline.js';
import { INSTALL_CLASSIFICATIONS } from './install/installClassifications.js';
import { PackageStore } from './PackageStore.js';
import { TrustStore } from './trust/TrustStore.js';

/**
 * Adds the extension services to a kernel's container and loads the enabled extensions'
 * manifests (no process starts); their LLM providers are registered in `LLM_PROVIDERS`. The manager registers its shutdown with the kernel's
 * lifecycle, so `kernel.close()` stops every extension process. With `recoverOperations`
 * (the platform; not CLI commands, which may run beside a server) install operations a
 * previous process left unfinished are recovered or rolled back first.
 */
export async function registerExtensions(
  kernel: Kernel,
  options: { recoverOperations?: boolean } = {},
): Promise<ExtensionManager> {
  for (const service of [
    TrustStore,
    PackageStore,
    ContributionRegistry,
    HostApiDispatcher,
    ExtensionLogBuffer,
    ExtensionSupervisor,
    ExtensionManager,
    InstallJournal,
    InstallPipeline,
    ExtensionLlmProviders,
  ]) {
    kernel.container.registerSingleton(service as new (...args: never[]) => unknown);
  }
  kernel.resolve(CLASSIFICATION_REGISTRY).register(...EXTENSION_CLASSIFICATIONS, ...INSTALL_CLASSIFICATIONS);
  if (options.recoverOperations ?? true) {
    await runAsActor(systemActor(), () => kernel.resolve(INSTALL_PIPELINE).recoverInterrupted());
  }
  const manager = kernel.resolve(EXTENSION_MANAGER);
  await manager.load();
  // The enabled extensions' LLM providers join the kernel's LLM_PROVIDERS (none starts yet).
  kernel.resolve(EXTENSION_LLM_PROVIDERS).start();
  return manager;
}
