import { rm } from 'node:fs/promises';
import { afterAll, expect, test } from 'vitest';
import { testConfig } from '@cinatra/kernel/testing';
import { createPlatform, type Platform } from '@cinatra/host';
import { createToken, expectProblem, setUpAdmin, signIn, withToken } from './support/apiClient.js';

// Embedded defaults: no databaseUrl, so the platform runs its own Postgres in the data directory.
const running: Platform[] = [];
const config = testConfig();
const dataDir = config.dataDir;

afterAll(async () => {
  for (const platform of running) await platform.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

test(
  'an instance keeps its admin, organizations, tokens and audit chain across a restart',
  { timeout: 300_000 },
  async () => {
    const first = await createPlatform(config);
    running.push(first);
    expect(first.setupToken).toEqual(expect.stringMatching(/^setup_/));
    expect(first.kernel.db.embedded).toBe(true);
    await first.start();
    const admin = await setUpAdmin(first);
    const org = await admin.post('/api/organizations', { slug: 'acme', name: 'Acme' });
    expect(org.statusCode, org.body).toBe(201);
    const orgId = org.json<{ id: string }>().id;
    const token = await createToken(admin, { name: 'automation', scopes: ['*'] });
    const verified = (await admin.post('/api/audit/verify')).json<{ ok: boolean; checked: number }>();
    expect(verified.ok).toBe(true);
    await first.stop();

    const second = await createPlatform(testConfig({ dataDir }));
    running.push(second);
    expect(second.kernel.config.dataDir).toBe(dataDir);
    expect(second.setupToken).toBeNull();
    await second.start();

    const setup = await second.server.inject({ method: 'GET', url: '/api/auth/setup' });
    expect(setup.json()).toEqual({ needsSetup: false });
    const redeem = await second.server.inject({
      method: 'POST',
      url: '/api/auth/setup',
      payload: {
        setupToken: first.setupToken,
        email: 'intruder@example.com',
        displayName: 'Intruder',
        password: 'intruder password',
      },
    });
    expectProblem(redeem, 409, 'setup_unavailable');

    const again = await signIn(second.server, 'admin@example.com');
    expect(again.user.id).toBe(admin.user.id);
    const orgs = await again.get('/api/organizations');
    expect(orgs.json<Array<{ id: string; slug: string }>>()).toEqual([
      expect.objectContaining({ id: orgId, slug: 'acme' }),
    ]);
    const members = await again.get(`/api/organizations/${orgId}/members`);
    expect(members.json<Array<{ userId: string; role: string }>>()).toEqual([
      expect.objectContaining({ userId: admin.user.id, role: 'org_owner' }),
    ]);

    const tokens = await again.get('/api/tokens');
    expect(tokens.json<Array<{ id: string }>>().map((t) => t.id)).toContain(token.id);
    const viaToken = await withToken(second.server, token.token).get('/api/auth/session');
    expect(viaToken.statusCode, viaToken.body).toBe(200);
    expect(viaToken.json()).toMatchObject({ user: { id: admin.user.id }, authSource: 'api_token' });

    // The session from before the restart still works: sessions live in the database.
    const oldSession = await second.server.inject({
      method: 'GET',
      url: '/api/auth/session',
      headers: { cookie: admin.cookie },
    });
    expect(oldSession.statusCode).toBe(200);

    const verify = await again.post('/api/audit/verify');
    expect(verify.statusCode).toBe(200);
    const after = verify.json<{ ok: boolean; checked: number }>();
    expect(after.ok).toBe(true);
    expect(after.checked).toBeGreaterThan(verified.checked);

    await second.stop();
  },
);
