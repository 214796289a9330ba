import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExtension, type TestExtension } from '@cinatra/sdk/testing';
import {
  buildExtension,
  PACKAGE_DIR,
  RATE_LIMIT_RESET,
  startFakeGitHub,
  TOKEN,
  type FakeGitHub,
} from './support/fakeGitHub.js';

/**
 * The GitHub tools in a real, isolated extension process (the SDK's test harness), against a
 * local server speaking GitHub's response shapes. The process can reach that server only: the
 * `baseUrl` setting points at it and `network:${settings.baseUrl}` grants its host:port.
 */

let github: FakeGitHub;
let ext: TestExtension;
const started: TestExtension[] = [];

async function start(options: Parameters<typeof startExtension>[1] = {}): Promise<TestExtension> {
  const extension = await startExtension(PACKAGE_DIR, {
    settings: { baseUrl: github.baseUrl },
    secrets: { 'github-token': TOKEN },
    network: [github.host],
    ...options,
  });
  started.push(extension);
  return extension;
}

const lastRequest = () => github.requests.at(-1)!;
const textOf = (result: { content: Array<{ type: string; text?: string }> }) => result.content[0]?.text ?? '';

beforeAll(async () => {
  await buildExtension();
  github = await startFakeGitHub();
  ext = await start();
});

afterAll(async () => {
  await Promise.all(started.map((e) => e.stop()));
  await github?.close();
});

describe('list_repositories', () => {
  it("lists the user's repositories page by page, following GitHub's Link header", async () => {
    const first = await ext.callTool('list_repositories', { per_page: 2 });
    expect(first.isError).toBeUndefined();
    expect(first.structuredContent).toMatchObject({
      nextPage: 2,
      repositories: [
        { fullName: 'octocat/hello-world', private: false, url: 'https://github.com/octocat/hello-world' },
        { fullName: 'octocat/secret-plans', private: true, defaultBranch: 'main' },
      ],
    });
    expect(JSON.parse(textOf(first))).toEqual(first.structuredContent);

    const request = lastRequest();
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe('/user/repos');
    expect(request.url.searchParams.get('per_page')).toBe('2');
    expect(request.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      authorization: `Bearer ${TOKEN}`,
    });

    const second = await ext.callTool('list_repositories', { per_page: 2, page: 2 });
    expect(second.structuredContent).toMatchObject({
      nextPage: null,
      repositories: [{ fullName: 'octocat/spoon-knife' }],
    });
  });

  it("lists an organization's repositories", async () => {
    const result = await ext.callTool('list_repositories', { org: 'github', type: 'public' });
    expect(result.structuredContent).toMatchObject({ repositories: [{ fullName: 'github/docs' }] });
    expect(lastRequest().url.pathname).toBe('/orgs/github/repos');
    expect(lastRequest().url.searchParams.get('type')).toBe('public');
  });
});

describe('list_issues and create_issue', () => {
  it('lists issues with state, labels and paging, marking pull requests', async () => {
    const result = await ext.callTool('list_issues', {
      owner: 'octocat',
      repo: 'hello-world',
      state: 'all',
      labels: ['bug', 'ui'],
      per_page: 50,
      page: 1,
    });
    expect(result.structuredContent).toMatchObject({
      nextPage: null,
      issues: [
        { number: 1347, title: 'Found a bug', labels: ['bug'], author: 'octocat', isPullRequest: false },
        { number: 1348, isPullRequest: true },
      ],
    });
    expect(Object.fromEntries(lastRequest().url.searchParams)).toEqual({
      state: 'all',
      labels: 'bug,ui',
      per_page: '50',
      page: '1',
    });
  });

  it('creates an issue and returns what GitHub created (201)', async () => {
    const result = await ext.callTool('create_issue', {
      owner: 'octocat',
      repo: 'hello-world',
      title: 'Crash on start',
      body: 'Steps to reproduce…',
      labels: ['bug'],
    });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toMatchObject({
      issue: { number: 1349, title: 'Crash on start', body: 'Steps to reproduce…', labels: ['bug'] },
    });
    expect(lastRequest()).toMatchObject({
      method: 'POST',
      body: { title: 'Crash on start', body: 'Steps to reproduce…', labels: ['bug'] },
    });
    expect(lastRequest().headers['content-type']).toBe('application/json');
  });

  it("reports GitHub's 422 validation errors as a tool error with GitHub's message", async () => {
    const result = await ext.callTool('create_issue', {
      owner: 'octocat',
      repo: 'hello-world',
      title: 'x'.repeat(300),
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('GitHub refused the request (422): Validation Failed');
    expect(textOf(result)).toContain('title is too long (maximum is 256 characters)');
    expect(textOf(result)).toContain('https://docs.github.com/rest/issues/issues#create-an-issue');
    expect(result.structuredContent).toMatchObject({
      status: 422,
      errors: [{ resource: 'Issue', field: 'title', code: 'custom' }],
    });
  });

  it('refuses arguments outside its input schema before the extension or GitHub sees them', async () => {
    const before = github.requests.length;
    await expect(
      ext.callTool('create_issue', { owner: 'octocat', repo: 'hello-world' }),
    ).rejects.toMatchObject({
      code: 'invalid_params',
      message: expect.stringContaining("must have required property 'title'"),
    });
    expect(github.requests.length).toBe(before);
  });
});

describe('GitHub errors', () => {
  it('404: an unknown repository', async () => {
    const result = await ext.callTool('list_issues', { owner: 'octocat', repo: 'nope' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^GitHub answered 404: Not Found\./);
  });

  it('403 rate limit: says when to try again, from x-ratelimit-reset', async () => {
    const result = await ext.callTool('list_issues', { owner: 'octocat', repo: 'rate-limited' });
    expect(result.isError).toBe(true);
    const resetAt = new Date(RATE_LIMIT_RESET * 1000).toISOString();
    expect(textOf(result)).toBe(
      `GitHub rate limit exceeded (403): API rate limit exceeded for user ID 1.. Try again after ${resetAt}.`,
    );
    expect(result.structuredContent).toMatchObject({ rateLimited: true, resetAt, status: 403 });
  });

  it('429 secondary rate limit: says when to try again, from retry-after', async () => {
    const result = await ext.callTool('list_issues', { owner: 'octocat', repo: 'busy' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(
      'GitHub rate limit exceeded (429): You have exceeded a secondary rate limit',
    );
    const resetAt = Date.parse((result.structuredContent as { resetAt: string }).resetAt);
    expect(resetAt).toBeGreaterThan(Date.now() + 30_000);
  });

  it('401: a token GitHub rejects', async () => {
    const wrong = await start({ secrets: { 'github-token': 'ghp_revoked' } });
    const result = await wrong.callTool('list_repositories');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^GitHub rejected the token \(401\): Bad credentials\./);
  });
});

describe('grants', () => {
  it('without the secret grant the token cannot be read, and GitHub is never called', async () => {
    const before = github.requests.length;
    const noSecret = await start({ permissions: ['network:${settings.baseUrl}'] });
    const result = await noSecret.callTool('list_repositories');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('"secrets.read:github-token"');
    expect(github.requests.length).toBe(before);
    expect(noSecret.hostCalls).toEqual([]); // refused inside the extension, before any host call
  });

  it('a missing secret is reported by name', async () => {
    const noToken = await start({ secrets: {} });
    const result = await noToken.callTool('list_repositories');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('the kernel secret "github-token" does not exist');
    expect(noToken.hostCalls).toMatchObject([{ method: 'secrets.read', outcome: 'not_found' }]);
  });

  it('without the network grant the egress proxy refuses GitHub, and the refusal is reported', async () => {
    const before = github.requests.length;
    const offline = await start({ permissions: ['secrets.read:github-token'], network: [] });
    const result = await offline.callTool('list_repositories');
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Cannot reach http:\/\/127\.0\.0\.1:\d+: /);
    expect(offline.egressDenied).toMatchObject([
      { host: '127.0.0.1', port: Number(github.host.split(':')[1]) },
    ]);
    expect(github.requests.length).toBe(before);
  });

  it('the harness refuses a network host the manifest does not grant', async () => {
    await expect(start({ network: ['api.example.com'] })).rejects.toThrow(
      /network host "api.example.com" is not granted/,
    );
  });
});
