/** A field the server refused, as in the problem's `errors` member. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * An API refusal (RFC 9457 problem details, `application/problem+json`). Its message is
 * the server's `detail`, written for people, so views show it as it is.
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors: FieldProblem[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail || title);
    this.name = 'ApiProblem';
  }

  static from(status: number, body: unknown): ApiProblem {
    const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const text = (key: string) => (typeof problem[key] === 'string' ? (problem[key] as string) : '');
    return new ApiProblem(
      status,
      text('code') || `http_${status}`,
      text('title') || `The server answered ${status}`,
      text('detail'),
      Array.isArray(problem.errors) ? (problem.errors as FieldProblem[]) : [],
      problem,
    );
  }

  get forbidden(): boolean {
    return this.status === 403;
  }
}

/** What went wrong, in words a person can act on. */
export function problemMessage(error: unknown): string {
  if (error instanceof ApiProblem) return error.message;
  if (error instanceof TypeError) {
    return 'Cannot reach the platform. Check that it is running and that you are online, then try again.';
  }
  return error instanceof Error ? error.message : String(error);
}

export function isForbidden(error: unknown): boolean {
  return error instanceof ApiProblem && error.forbidden;
}
