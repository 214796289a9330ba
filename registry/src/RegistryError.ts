/**
 * Stable reasons a registry operation failed. `integrity_mismatch` means the bytes served
 * are not the bytes the registry recorded at publish time: never install them.
 */
export type RegistryErrorCode =
  | 'not_found'
  | 'no_matching_version'
  | 'unauthorized'
  | 'forbidden'
  | 'integrity_missing'
  | 'integrity_mismatch'
  | 'unavailable'
  | 'invalid_response';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
