import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { SECRET_NAME_PATTERN, type FieldError } from '@cinatra/kernel';
import { SECRET_REFERENCE_KEYWORD } from '@cinatra/sdk';

const SECRET_NAME = new RegExp(SECRET_NAME_PATTERN);
/** Nesting of `properties` walked for secret references (as `validateManifest` checks them). */
const MAX_DEPTH = 16;

/**
 * Everything wrong with a connector's setup `values` against its declared `setupSchema`, as
 * field errors at `/body/values/<field>` (nested fields `/body/values/<field>/<sub>`): every
 * failing check, not only the first, so a form can mark each field at once. Formats are checked
 * (`uri`, `email`…). A field marked `x-cinatra-secret` must hold the name of a kernel secret: a
 * value that cannot be one (a pasted token, say) is refused, so credentials never end up in
 * stored setup values. Empty when the values are acceptable.
 */
export function connectorSetupErrors(
  setupSchema: Record<string, unknown>,
  values: Record<string, unknown>,
): FieldError[] {
  // A compiler per check: setups are saved rarely, and a schema with an `$id` cannot be added
  // twice to one compiler (each check reads the manifest afresh).
  const compiler = addFormats.default(
    new Ajv.default({ allErrors: true, coerceTypes: false, useDefaults: false, strict: false }),
  );
  const validate = compiler.compile(setupSchema);
  const errors: FieldError[] = validate(values) ? [] : (validate.errors ?? []).map(fieldErrorOf);
  const refused = new Set(errors.map((error) => error.path));
  for (const error of secretReferenceErrors(setupSchema, values, '/body/values', 0)) {
    if (!refused.has(error.path)) errors.push(error);
  }
  return errors;
}

function fieldErrorOf(error: ErrorObject): FieldError {
  const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
  const named = params.missingProperty ?? params.additionalProperty;
  return {
    path: `/body/values${error.instancePath}${typeof named === 'string' ? `/${escapePointer(named)}` : ''}`,
    message: error.message ?? 'is invalid',
  };
}

function secretReferenceErrors(
  schema: Record<string, unknown>,
  values: Record<string, unknown>,
  path: string,
  depth: number,
): FieldError[] {
  const properties = schema.properties;
  if (depth > MAX_DEPTH || !isRecord(properties)) return [];
  const errors: FieldError[] = [];
  for (const [key, property] of Object.entries(properties)) {
    if (!isRecord(property) || !Object.hasOwn(values, key)) continue;
    const value = values[key];
    const at = `${path}/${escapePointer(key)}`;
    if (property[SECRET_REFERENCE_KEYWORD] === true) {
      if (typeof value !== 'string' || !SECRET_NAME.test(value)) {
        errors.push({
          path: at,
          message:
            'must be the name of a kernel secret (letters, digits, ".", "_" or "-", up to 128), never the secret itself',
        });
      }
    } else if (isRecord(value)) {
      errors.push(...secretReferenceErrors(property, value, at, depth + 1));
    }
  }
  return errors;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
