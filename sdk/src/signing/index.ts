export { generateSigningKey, keyIdOf, normalizePublicKeyPem, type SigningKey } from './keys.js';
export { packExtension, type PackedExtension } from './packExtension.js';
export { signExtension, statementForTarball, type SerializedBundle } from './signExtension.js';
export {
  PackageVerificationError,
  TRUST_TIERS,
  verifyPackageDirectory,
  verifyPackageTarball,
  type PackageVerificationCode,
  type TrustedKey,
  type TrustLookup,
  type TrustTier,
  type VerifiedPackage,
} from './verifyPackage.js';
export { PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, type ExtensionStatement } from './statement.js';
export { readTarball, writeTarball, TarballError, TARBALL_PREFIX } from './tarball.js';
