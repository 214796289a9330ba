// Writes sdk/schema/extension-manifest.schema.json from the TypeBox schema in the built SDK.
// Run with `npm run schema -w sdk` after changing ExtensionManifest.ts; a test keeps them equal.
import { writeFileSync } from 'node:fs';
import { ExtensionPackageSchema } from '../dist/index.js';

const target = new URL('../schema/extension-manifest.schema.json', import.meta.url);
const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', ...ExtensionPackageSchema };
writeFileSync(target, `${JSON.stringify(schema, null, 2)}\n`);
