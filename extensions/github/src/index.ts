import { defineExtension, RpcError, type CallContext, type CallToolResult, type HostApi } from '@cinatra/sdk';
import { failure, github, GitHubError, ok } from './githubApi.js';

/**
 * GitHub tools for Cinatra: `list_repositories`, `list_issues`, `create_issue` over GitHub's REST
 * API. The API base URL is the `baseUrl` setting (GitHub Enterprise Server: `https://<host>/api/v3`),
 * and the only host the extension can reach is that one (`network:${settings.baseUrl}`). The token
 * is a kernel secret read on every call (so a rotated token applies at once) through the
 * `secrets.read:github-token` grant; the `tokenSecret` setting names it.
 */

interface Repository {
  id: number;
  name: string;
  full_name: string;
  owner: { login: string };
  private: boolean;
  description: string | null;
  html_url: string;
  default_branch: string;
  open_issues_count: number;
  updated_at: string;
}

interface Issue {
  id: number;
  number: number;
  title: string;
  state: string;
  html_url: string;
  body?: string | null;
  user: { login: string } | null;
  labels: Array<{ name: string } | string>;
  comments: number;
  created_at: string;
  updated_at: string;
  pull_request?: unknown;
}

/** Wrong or missing tool arguments, reported as a tool error. */
class ArgumentError extends Error {}

export default defineExtension({
  activate(host) {
    const request = async <T>(
      call: CallContext,
      spec: {
        method: 'GET' | 'POST';
        path: string;
        query?: Record<string, string | number | undefined>;
        body?: unknown;
      },
    ) =>
      github<T>({
        ...spec,
        baseUrl: String(host.settings.baseUrl),
        token: await readToken(host),
        signal: call.signal,
      });

    return {
      tools: {
        list_repositories: (args, call) =>
          run(async () => {
            const org = optionalName(args, 'org');
            const query = { per_page: perPage(args), page: page(args), sort: optionalString(args, 'sort') };
            const response = org
              ? await request<Repository[]>(call, {
                  method: 'GET',
                  path: `/orgs/${encodeURIComponent(org)}/repos`,
                  query: { ...query, type: optionalString(args, 'type') },
                })
              : await request<Repository[]>(call, {
                  method: 'GET',
                  path: '/user/repos',
                  query: { ...query, visibility: optionalString(args, 'visibility') },
                });
            return ok({ repositories: response.data.map(repository), nextPage: response.nextPage });
          }),

        list_issues: (args, call) =>
          run(async () => {
            const labels = optionalStrings(args, 'labels');
            const response = await request<Issue[]>(call, {
              method: 'GET',
              path: repoPath(args, '/issues'),
              query: {
                state: optionalString(args, 'state'),
                labels: labels?.join(','),
                per_page: perPage(args),
                page: page(args),
              },
            });
            return ok({ issues: response.data.map(issue), nextPage: response.nextPage });
          }),

        create_issue: (args, call) =>
          run(async () => {
            const title = requiredString(args, 'title');
            const body = optionalString(args, 'body');
            const labels = optionalStrings(args, 'labels');
            const response = await request<Issue>(call, {
              method: 'POST',
              path: repoPath(args, '/issues'),
              body: { title, ...(body === undefined ? {} : { body }), ...(labels ? { labels } : {}) },
            });
            return ok({ issue: issue(response.data) });
          }),
      },
    };
  },
});

/** Runs a tool body: GitHub and argument failures become `isError` results, cancellation is thrown. */
async function run(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof GitHubError) {
      return failure(error.message, { status: error.status, ...error.details });
    }
    if (error instanceof ArgumentError) return failure(error.message);
    if (error instanceof RpcError && (error.code === 'permission_denied' || error.code === 'not_found')) {
      return failure(error.message);
    }
    throw error;
  }
}

async function readToken(host: HostApi): Promise<string> {
  const name = String(host.settings.tokenSecret ?? 'github-token');
  try {
    return await host.secrets.read(name);
  } catch (error) {
    if (error instanceof RpcError && error.code === 'not_found') {
      throw new RpcError(
        'not_found',
        `No GitHub token: the kernel secret "${name}" does not exist. Create it (and grant it to this extension).`,
      );
    }
    throw error;
  }
}

function repository(r: Repository) {
  return {
    fullName: r.full_name,
    name: r.name,
    owner: r.owner.login,
    private: r.private,
    description: r.description,
    url: r.html_url,
    defaultBranch: r.default_branch,
    openIssues: r.open_issues_count,
    updatedAt: r.updated_at,
  };
}

function issue(i: Issue) {
  return {
    number: i.number,
    title: i.title,
    state: i.state,
    url: i.html_url,
    author: i.user?.login ?? null,
    labels: i.labels.map((label) => (typeof label === 'string' ? label : label.name)),
    comments: i.comments,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    // GitHub's issues endpoints list pull requests too.
    isPullRequest: i.pull_request !== undefined,
    ...(i.body === undefined ? {} : { body: i.body }),
  };
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

function requiredString(args: Record<string, unknown>, key: string): string {
  const value = args[key];
  if (typeof value !== 'string' || value.trim() === '')
    throw new ArgumentError(`"${key}" is required (a string).`);
  return value;
}

function optionalString(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ArgumentError(`"${key}" must be a string.`);
  return value;
}

function optionalName(args: Record<string, unknown>, key: string): string | undefined {
  const value = optionalString(args, key);
  if (value !== undefined && !NAME.test(value))
    throw new ArgumentError(`"${key}" is not a GitHub name: ${value}`);
  return value;
}

function optionalStrings(args: Record<string, unknown>, key: string): string[] | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ArgumentError(`"${key}" must be an array of strings.`);
  }
  return value as string[];
}

function repoPath(args: Record<string, unknown>, suffix: string): string {
  const owner = requiredString(args, 'owner');
  const repo = requiredString(args, 'repo');
  for (const [key, value] of [
    ['owner', owner],
    ['repo', repo],
  ] as const) {
    if (!NAME.test(value)) throw new ArgumentError(`"${key}" is not a GitHub name: ${value}`);
  }
  return `/repos/${owner}/${repo}${suffix}`;
}

function integer(args: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(`"${key}" must be an integer from ${min} to ${max}.`);
  }
  return value;
}

const perPage = (args: Record<string, unknown>) => integer(args, 'per_page', 1, 100);
const page = (args: Record<string, unknown>) => integer(args, 'page', 1, 100_000);
