import { comparePointers } from '../validate/jsonPointer.js';
import { AGENT_SPEC_REVIEW_CODES, type AgentSpecReviewCode, type ReviewSeverity } from './reviewCodes.js';

/** One thing the review found. */
export interface ReviewFinding {
  code: AgentSpecReviewCode;
  severity: ReviewSeverity;
  /** The file it is in: the document (`oas.json` unless named otherwise), `package.json` or a sibling file. */
  file: string;
  /** A JSON pointer into a JSON file (`""` is the whole file), `#L<line>` in any other file. */
  path: string;
  message: string;
}

export function finding(
  code: AgentSpecReviewCode,
  file: string,
  path: string,
  message: string,
): ReviewFinding {
  return { code, severity: AGENT_SPEC_REVIEW_CODES[code].severity, file, path, message };
}

/** Total order on findings (file, place, code, message) so equal input gives byte-identical output. */
export function compareFindings(a: ReviewFinding, b: ReviewFinding): number {
  return (
    compareText(a.file, b.file) ||
    comparePointers(a.path, b.path) ||
    compareText(a.code, b.code) ||
    compareText(a.message, b.message)
  );
}

// Code-unit order, never locale order: output must not depend on the machine it runs on.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
