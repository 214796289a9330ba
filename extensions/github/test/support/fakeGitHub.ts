import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/**
 * A local HTTP server on 127.0.0.1 answering like GitHub's REST API (2022-11-28): the response
 * bodies, status codes and headers below are GitHub's own shapes (trimmed to the fields the
 * extension reads plus a few it ignores), including the pagination `Link` header, the 201 of a
 * created issue, the 422 `{ message, errors, documentation_url }` body, 401/404 bodies and the
 * primary (403, `x-ratelimit-remaining: 0`) and secondary (429, `retry-after`) rate limits.
 */

export const TOKEN = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
export const RATE_LIMIT_RESET = 1_893_456_000; // 2030-01-01T00:00:00Z
export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeGitHub {
  server: Server;
  /** `http://127.0.0.1:<port>`: the `baseUrl` setting. */
  baseUrl: string;
  /** `127.0.0.1:<port>`: the network host to grant. */
  host: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const repo = (id: number, owner: string, name: string, isPrivate = false) => ({
  id,
  node_id: `R_kgDO${id}`,
  name,
  full_name: `${owner}/${name}`,
  private: isPrivate,
  owner: { login: owner, id: 583231, type: owner === 'octocat' ? 'User' : 'Organization' },
  html_url: `https://github.com/${owner}/${name}`,
  description: `${name} description`,
  fork: false,
  url: `https://api.github.com/repos/${owner}/${name}`,
  default_branch: 'main',
  open_issues_count: id % 7,
  visibility: isPrivate ? 'private' : 'public',
  pushed_at: '2025-01-26T19:06:43Z',
  created_at: '2024-01-26T19:01:12Z',
  updated_at: '2025-01-26T19:14:43Z',
});

const issue = (number: number, title: string, extra: Record<string, unknown> = {}) => ({
  id: 1_000_000 + number,
  node_id: `I_kwDO${number}`,
  url: `https://api.github.com/repos/octocat/hello-world/issues/${number}`,
  html_url: `https://github.com/octocat/hello-world/issues/${number}`,
  number,
  state: 'open',
  title,
  body: `Body of ${title}`,
  user: { login: 'octocat', id: 1, type: 'User' },
  labels: [
    { id: 208045946, name: 'bug', color: 'f29513', default: true, description: "Something isn't working" },
  ],
  assignee: null,
  comments: 2,
  created_at: '2025-04-22T13:33:48Z',
  updated_at: '2025-04-22T13:33:48Z',
  closed_at: null,
  author_association: 'OWNER',
  ...extra,
});

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      requests.push({ method: request.method ?? 'GET', url, headers: request.headers, body });
      route(request.method ?? 'GET', url, request.headers, body, response, baseUrl);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    server,
    baseUrl,
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': 5000,
    'x-ratelimit-remaining': 4999,
    'x-ratelimit-reset': RATE_LIMIT_RESET,
    ...headers,
  });
  response.end(JSON.stringify(body));
}

function route(
  method: string,
  url: URL,
  headers: IncomingMessage['headers'],
  body: unknown,
  response: ServerResponse,
  baseUrl: string,
): void {
  if (headers.authorization !== `Bearer ${TOKEN}`) {
    send(response, 401, {
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
    return;
  }
  const path = url.pathname;
  const page = Number(url.searchParams.get('page') ?? '1');
  if (method === 'GET' && path === '/user/repos') {
    const link =
      page === 1
        ? `<${baseUrl}/user/repos?per_page=2&page=2>; rel="next", <${baseUrl}/user/repos?per_page=2&page=2>; rel="last"`
        : `<${baseUrl}/user/repos?per_page=2&page=1>; rel="prev", <${baseUrl}/user/repos?per_page=2&page=1>; rel="first"`;
    const repos =
      page === 1
        ? [repo(1296269, 'octocat', 'hello-world'), repo(1296270, 'octocat', 'secret-plans', true)]
        : [repo(1296271, 'octocat', 'spoon-knife')];
    send(response, 200, repos, { link });
    return;
  }
  if (method === 'GET' && path === '/orgs/github/repos') {
    send(response, 200, [repo(3, 'github', 'docs')]);
    return;
  }
  if (path === '/repos/octocat/hello-world/issues') {
    if (method === 'GET') {
      send(response, 200, [
        issue(1347, 'Found a bug'),
        issue(1348, 'Fix the bug', {
          pull_request: { url: 'https://api.github.com/repos/octocat/hello-world/pulls/1348' },
        }),
      ]);
      return;
    }
    const input = body as { title?: string; body?: string; labels?: string[] };
    if (!input.title || input.title.length > 256) {
      send(response, 422, {
        message: 'Validation Failed',
        errors: [
          input.title
            ? {
                resource: 'Issue',
                code: 'custom',
                field: 'title',
                message: 'title is too long (maximum is 256 characters)',
              }
            : { resource: 'Issue', code: 'missing_field', field: 'title' },
        ],
        documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
        status: '422',
      });
      return;
    }
    send(
      response,
      201,
      issue(1349, input.title, {
        body: input.body ?? null,
        labels: (input.labels ?? []).map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false })),
        comments: 0,
      }),
      { location: 'https://api.github.com/repos/octocat/hello-world/issues/1349' },
    );
    return;
  }
  if (path === '/repos/octocat/rate-limited/issues') {
    send(
      response,
      403,
      {
        message: 'API rate limit exceeded for user ID 1.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-rate-limit',
        status: '403',
      },
      { 'x-ratelimit-remaining': 0, 'x-ratelimit-used': 5000 },
    );
    return;
  }
  if (path === '/repos/octocat/busy/issues') {
    send(
      response,
      429,
      {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: '429',
      },
      { 'retry-after': 60 },
    );
    return;
  }
  send(response, 404, {
    message: 'Not Found',
    documentation_url: 'https://docs.github.com/rest',
    status: '404',
  });
}

/**
 * Compiles the extension (incremental tsc, so the tests never run a stale build) and, with
 * `signed`, packs and signs it into dist-package/ as `npm run build` does. Test files run in
 * parallel processes: a lock directory keeps two builds from writing the same files at once.
 */
export async function buildExtension({ signed = false } = {}): Promise<void> {
  const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
  const lock = join(PACKAGE_DIR, 'build', '.test-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 600) throw error;
      // A lock older than any build is left over from a killed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      else await sleep(100);
    }
  }
  try {
    execFileSync(
      process.execPath,
      [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'extensions/github'],
      { cwd: repoRoot, stdio: 'pipe' },
    );
    if (signed) {
      execFileSync(process.execPath, ['../scripts/package-signed.js'], { cwd: PACKAGE_DIR, stdio: 'pipe' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
