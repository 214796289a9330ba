import { vi } from 'vitest';

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Headers;
}

type Answer = Response | { status?: number; body?: unknown };
type Handler = Answer | ((call: RecordedCall) => Answer | Promise<Answer>);

/**
 * Answers the app's API calls in a component test, by `"METHOD /path"` (path without the
 * query; `:name` matches one segment). Returns the calls made, to assert on what was sent.
 * A call with no handler fails the test (the network guard in setup.ts).
 */
export function mockApi(handlers: Record<string, Handler>) {
  const calls: RecordedCall[] = [];
  const routes = Object.entries(handlers).map(([key, handler]) => {
    const [method, pattern] = key.split(' ') as [string, string];
    const regex = new RegExp(`^${pattern.replace(/:[a-zA-Z]+/g, '[^/]+')}$`);
    return { method, regex, handler };
  });
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
      const call: RecordedCall = {
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        body: text ? JSON.parse(text) : undefined,
        headers: request.headers,
      };
      calls.push(call);
      const route = routes.find((r) => r.method === request.method && r.regex.test(url.pathname));
      if (!route)
        throw new Error(`Unexpected request in a component test: ${request.method} ${url.pathname}`);
      const answer = typeof route.handler === 'function' ? await route.handler(call) : route.handler;
      return answer instanceof Response ? answer : toResponse(answer);
    }),
  );
  return calls;
}

function toResponse({ status = 200, body }: { status?: number; body?: unknown }): Response {
  if (status === 204 || body === undefined) return new Response(null, { status });
  const problem = status >= 400;
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': problem ? 'application/problem+json' : 'application/json' },
  });
}

/** A problem+json answer as the platform sends it. */
export function problem(
  status: number,
  code: string,
  detail: string,
  errors?: Array<{ path: string; message: string }>,
) {
  return {
    status,
    body: { type: `https://cinatra.dev/problems/${code}`, title: code, status, code, detail, errors },
  };
}
