import type { CallToolResult } from '@cinatra/sdk';

/**
 * A small client for GitHub's REST API (https://docs.github.com/rest), version 2022-11-28, and
 * the mapping of its answers to MCP tool results. Failures GitHub reports (bad token, unknown
 * repository, validation errors, rate limits) become `isError` results carrying GitHub's own
 * message, so the model can tell the user what went wrong; only cancellation is thrown.
 */

export const API_VERSION = '2022-11-28';
const USER_AGENT = 'cinatra-ext-github';

export interface GitHubRequest {
  baseUrl: string;
  token: string;
  method: 'GET' | 'POST';
  /** Path below the base URL, e.g. `/repos/octo/hello/issues`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal: AbortSignal;
}

export interface GitHubResponse<T> {
  status: number;
  data: T;
  /** The next page number from the `Link` header, or null on the last page. */
  nextPage: number | null;
}

/** GitHub said no, or could not be reached: the text is what the model (and user) sees. */
export class GitHubError extends Error {
  override readonly name = 'GitHubError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function github<T>(request: GitHubRequest): Promise<GitHubResponse<T>> {
  const url = new URL(request.path.replace(/^\//, ''), request.baseUrl.replace(/\/*$/, '/'));
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': API_VERSION,
        Authorization: `Bearer ${request.token}`,
        'User-Agent': USER_AGENT,
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
    });
  } catch (error) {
    if (request.signal.aborted) throw request.signal.reason ?? error;
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new GitHubError(
      `Cannot reach ${url.origin}: ${cause ?? (error as Error).message}. Check the baseUrl setting and that the extension was granted network access to it.`,
      null,
    );
  }
  const text = await response.text();
  const data = parseJson(text);
  if (!response.ok) throw toGitHubError(response, data, text);
  return { status: response.status, data: data as T, nextPage: nextPageOf(response.headers.get('link')) };
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

interface GitHubErrorBody {
  message?: string;
  errors?: Array<{ resource?: string; field?: string; code?: string; message?: string } | string>;
  documentation_url?: string;
}

function toGitHubError(response: Response, data: unknown, text: string): GitHubError {
  const body = (data && typeof data === 'object' ? data : {}) as GitHubErrorBody;
  const message = body.message ?? (text.trim().split('\n')[0] || response.statusText);
  const docs = body.documentation_url ? ` (see ${body.documentation_url})` : '';
  const status = response.status;
  const remaining = response.headers.get('x-ratelimit-remaining');
  const retryAfter = response.headers.get('retry-after');
  if (status === 429 || (status === 403 && (remaining === '0' || retryAfter !== null))) {
    const reset = response.headers.get('x-ratelimit-reset');
    const resetAt =
      retryAfter !== null
        ? new Date(Date.now() + Number(retryAfter) * 1000)
        : reset
          ? new Date(Number(reset) * 1000)
          : null;
    const when = resetAt && !Number.isNaN(resetAt.getTime()) ? resetAt.toISOString() : null;
    return new GitHubError(
      `GitHub rate limit exceeded (${status}): ${message}.${when ? ` Try again after ${when}.` : ''}`,
      status,
      { rateLimited: true, resetAt: when },
    );
  }
  if (status === 401) {
    return new GitHubError(
      `GitHub rejected the token (401): ${message}. Check the token stored in the kernel secret.`,
      status,
    );
  }
  if (status === 404) {
    return new GitHubError(
      `GitHub answered 404: ${message}. The resource does not exist or the token cannot see it.`,
      status,
    );
  }
  if (status === 422) {
    const errors = (body.errors ?? []).map((e) =>
      typeof e === 'string' ? e : (e.message ?? [e.resource, e.field, e.code].filter(Boolean).join(' ')),
    );
    return new GitHubError(
      `GitHub refused the request (422): ${message}${errors.length ? `: ${errors.join('; ')}` : ''}${docs}`,
      status,
      { errors: body.errors ?? [] },
    );
  }
  return new GitHubError(`GitHub answered ${status}: ${message}${docs}`, status);
}

/** `<https://api.github.com/user/repos?page=2>; rel="next", <…>; rel="last"` → 2. */
export function nextPageOf(link: string | null): number | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part.trim());
    if (match?.[2] === 'next') {
      const page = Number(new URL(match[1]!).searchParams.get('page'));
      return Number.isInteger(page) && page > 0 ? page : null;
    }
  }
  return null;
}

/** A successful tool result: the data as JSON text (for any client) and as structured content. */
export function ok(structured: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(structured, null, 2) }],
    structuredContent: structured,
  };
}

/** A failed tool result the model can read; `details` adds what a client may branch on. */
export function failure(message: string, details: Record<string, unknown> = {}): CallToolResult {
  return {
    content: [{ type: 'text', text: message }],
    structuredContent: { error: message, ...details },
    isError: true,
  };
}
