import 'reflect-metadata';

export { fetchPackage, resolveVersion, type FetchedPackage } from './fetchPackage.js';
export { RegistryClient, type Packument, type PackumentVersion, type SearchHit } from './RegistryClient.js';
export { RegistryError, type RegistryErrorCode } from './RegistryError.js';
export {
  startVerdaccio,
  type RegistryAuthAnswer,
  type RegistryAuthRequest,
  type VerdaccioAuth,
  type VerdaccioHandle,
  type VerdaccioOptions,
} from './startVerdaccio.js';
export {
  EMBEDDED_REGISTRY,
  EmbeddedRegistry,
  packageNameOf,
  type RegistryEndpoint,
} from './EmbeddedRegistry.js';
export {
  REGISTRY_SERVICE,
  RegistryService,
  TRUST_SOURCE,
  type CatalogueEntry,
  type PromotionView,
  type PublicDestinationView,
  type SignatureStatus,
  type TrustSource,
} from './RegistryService.js';
export {
  REGISTRY_CLASSIFICATIONS,
  REGISTRY_DESTINATION,
  REGISTRY_PACKAGE,
} from './registryClassifications.js';
