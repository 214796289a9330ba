import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, type Platform } from '@cinatra/host';
import { expectProblem } from './support/apiClient.js';

/**
 * The platform serves the admin UI at `/`: the built files, `index.html` for the app's own
 * routes (deep links), strict security headers, and API paths that stay problem+json.
 */

const dist = mkdtempSync(join(tmpdir(), 'cinatra-ui-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Cinatra</title><div id="app"></div>');
writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("app")');

let db: TestDatabase;
let platform: Platform;
let bare: Platform;

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }), { adminUiDir: dist });
  bare = await createPlatform(testConfig({ databaseUrl: db.url }), { adminUiDir: null });
});

afterAll(async () => {
  await Promise.all([platform?.stop(), bare?.stop()]);
  await db?.drop();
  rmSync(dist, { recursive: true, force: true });
});

const get = (url: string, on = platform) => on.server.inject({ method: 'GET', url });

describe('the admin UI', () => {
  test('is served at / without signing in, never cached, with a strict content security policy', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="app">');
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('answers deep links (the setup link printed at start, /extensions/…) with the app', async () => {
    for (const path of [
      '/setup',
      '/extensions/7f0c7a4e-1c1b-4c55-9a53-2b0f3f1e2a10',
      '/settings/llm?x=1',
      '/mcp-connection', // an app page beside the /mcp endpoint
    ]) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.body, path).toContain('<div id="app">');
    }
  });

  test('serves hashed assets as immutable', async () => {
    const res = await get('/assets/index-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  test('a missing file is a 404 problem, not the app', async () => {
    expectProblem(await get('/assets/missing.js'), 404, 'not_found');
    expectProblem(await get('/../package.json'), 404, 'not_found');
  });

  test('unknown API paths stay problem+json 404s', async () => {
    expect(expectProblem(await get('/api/no-such-route'), 404, 'not_found').detail).toMatch(
      /No route GET \/api\/no-such-route/,
    );
    expectProblem(await get('/mcp/unknown'), 404, 'not_found');
    // Routes that exist are untouched.
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
  });

  test('without a build, / says how to build it', async () => {
    const res = await get('/', bare);
    expect(expectProblem(res, 404, 'not_found').detail).toMatch(/npm run build/);
  });
});
