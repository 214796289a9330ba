// The admin UI's API types rendered from an OpenAPI document (shared by
// generate-api-types.js and the drift check in host/test/openapi.test.ts).
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

export const API_TYPES_PATH = fileURLToPath(new URL('../ui/src/api/schema.d.ts', import.meta.url));

const HEADER = "// Generated from the platform's OpenAPI document by `npm run api:types`; do not edit.\n\n";

/** @param {object} document an OpenAPI 3.1 document */
export async function renderApiTypes(document) {
  const ast = await openapiTS(document, { alphabetize: true, exportType: true });
  const options = await resolveConfig(API_TYPES_PATH);
  return format(HEADER + astToString(ast), { ...options, filepath: API_TYPES_PATH });
}
