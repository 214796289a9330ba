import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, type Platform } from '@cinatra/host';
import {
  anonymous,
  createToken,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';

/** `GET /api/instance`: what the admin UI shows about the instance it talks to. */

interface InstanceJson {
  version: string;
  publicUrl: string;
  mcpUrl: string;
  agentsDir: string;
}

const HOST_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

let db: TestDatabase;
let platform: Platform;
let admin: SessionClient;

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  admin = await setUpAdmin(platform);
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

describe('GET /api/instance', () => {
  test('gives the version, the URLs derived from the request and the agents directory', async () => {
    const res = await admin.get('/api/instance', { host: 'cinatra.test:8443' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<InstanceJson>()).toEqual({
      version: HOST_VERSION,
      publicUrl: 'http://cinatra.test:8443',
      mcpUrl: 'http://cinatra.test:8443/mcp',
      // agents.dir defaults to `agents` in the working directory: the repository's own here.
      agentsDir: resolve('agents'),
    });
  });

  test('is for any signed-in principal: a member and an API token read it, anonymous callers do not', async () => {
    await createUser(admin, 'member@example.com', 'Member');
    const member = await signIn(platform.server, 'member@example.com');
    expect((await member.get('/api/instance')).statusCode).toBe(200);
    const { token } = await createToken(member, { name: 'instance', scopes: ['*'] });
    const withToken = await platform.server.inject({
      method: 'GET',
      url: '/api/instance',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withToken.statusCode, withToken.body).toBe(200);
    expectProblem(await anonymous(platform.server).get('/api/instance'), 401, 'unauthenticated');
  });

  test('over a real socket the derived public URL is the address the client used', async () => {
    const { url } = await platform.start();
    const res = await fetch(`${url}/api/instance`, { headers: { cookie: admin.cookie } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ publicUrl: url, mcpUrl: `${url}/mcp` });
  });
});

describe('with server.publicUrl configured', () => {
  test('the configured URL wins over the request, without its trailing slash', async () => {
    const otherDb = await createTestDatabase();
    const configured = await createPlatform(
      testConfig({
        databaseUrl: otherDb.url,
        server: { publicUrl: 'https://cinatra.example.com/' },
        agents: { dir: '/srv/cinatra/agents' },
      }),
    );
    try {
      const owner = await setUpAdmin(configured);
      const res = await owner.get('/api/instance', { host: 'internal:8080' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<InstanceJson>()).toEqual({
        version: HOST_VERSION,
        publicUrl: 'https://cinatra.example.com',
        mcpUrl: 'https://cinatra.example.com/mcp',
        agentsDir: '/srv/cinatra/agents',
      });
    } finally {
      await configured.stop();
      await otherDb.drop();
    }
  });
});
