import { CLASSIFICATION_REGISTRY, type Kernel } from '@cinatra/kernel';
import { ContributionRegistry } from './ContributionRegistry.js';
import { EXTENSION_CLASSIFICATIONS } from './extensionClassifications.js';
import { EXTENSION_MANAGER, ExtensionManager } from './ExtensionManager.js';
import { ExtensionSupervisor } from './ExtensionSupervisor.js';
import { HostApiDispatcher } from './HostApiDispatcher.js';
import { PackageStore } from './PackageStore.js';
import { TrustStore } from './trust/TrustStore.js';

/**
 * Adds the extension services to a kernel's container and loads the enabled extensions'
 * manifests (no process starts). The manager registers its shutdown with the kernel's
 * lifecycle, so `kernel.close()` stops every extension process.
 */
export async function registerExtensions(kernel: Kernel): Promise<ExtensionManager> {
  for (const service of [
    TrustStore,
    PackageStore,
    ContributionRegistry,
    HostApiDispatcher,
    ExtensionSupervisor,
    ExtensionManager,
  ]) {
    kernel.container.registerSingleton(service as new (...args: never[]) => unknown);
  }
  kernel.resolve(CLASSIFICATION_REGISTRY).register(...EXTENSION_CLASSIFICATIONS);
  const manager = kernel.resolve(EXTENSION_MANAGER);
  await manager.load();
  return manager;
}
