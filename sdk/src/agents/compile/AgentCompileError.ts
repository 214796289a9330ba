import type { AgentSpecIssue } from '../types.js';

/**
 * Thrown by {@link compile} when the document does not validate, or validates but cannot be
 * compiled (for example a pause whose screen the agent does not declare). Carries every issue.
 */
export class AgentCompileError extends Error {
  override readonly name = 'AgentCompileError';

  constructor(readonly issues: AgentSpecIssue[]) {
    super(issues.map((issue) => `${issue.path || '/'}: ${issue.message}`).join('; '));
  }
}
