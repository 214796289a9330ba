// Writes ui/src/api/schema.d.ts, the admin UI's types of the platform API, from the OpenAPI
// document the platform generates from its route schemas. Run `npm run api:types` after
// changing a route; host/test/openapi.test.ts fails while the file is out of date.
// Needs the build (`npm run build`) and the project's Postgres (DATABASE_URL or 127.0.0.1:5432).
import { writeFile } from 'node:fs/promises';
import { createPlatform } from '@cinatra/host';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { renderApiTypes, API_TYPES_PATH } from './apiTypes.js';

const db = await createTestDatabase();
let platform;
try {
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  const response = await platform.server.inject({ method: 'GET', url: '/api/openapi.json' });
  await writeFile(API_TYPES_PATH, await renderApiTypes(response.json()));
  process.stdout.write(`Wrote ${API_TYPES_PATH}\n`);
} finally {
  await platform?.stop();
  await db.drop();
}
