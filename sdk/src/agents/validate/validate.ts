import { loadAgentSpec, type LoadAgentSpecOptions } from '../load/loadAgentSpec.js';
import { AgentSpecLoadError, type AgentSpecIssue, type LoadedAgentSpec } from '../types.js';
import { checkApiPlaceholders } from './checkApiPlaceholders.js';
import { checkEdges } from './checkEdges.js';
import { checkEndOutputs } from './checkEndOutputs.js';
import { checkFlowStructure } from './checkFlowStructure.js';
import { checkNumberDefaults } from './checkNumberDefaults.js';
import { checkReachability } from './checkReachability.js';
import { checkRunIdInjection } from './checkRunIdInjection.js';
import { checkTernaries } from './checkTernaries.js';
import { floatLiteralPointers } from './floatLiteralPointers.js';
import { flowsOf } from './flowGraph.js';
import { comparePointers } from './jsonPointer.js';
import type { ValidationRule } from './ValidationContext.js';

/** What `validate` found. `valid` is true exactly when `errors` is empty. */
export interface AgentSpecValidation {
  valid: boolean;
  /** Ordered by path (see `comparePointers`), then code: the same input always gives the same list. */
  errors: AgentSpecIssue[];
}

/** Options are the loader's: format, origin, size and depth limits, supplied components. */
export type ValidateOptions = LoadAgentSpecOptions;

/** Graph rules first, then the runtime invariants the flow runtime enforces only when it mounts an agent. */
const RULES: readonly ValidationRule[] = [
  checkFlowStructure,
  checkEdges,
  checkReachability,
  checkApiPlaceholders,
  checkTernaries,
  checkNumberDefaults,
  checkEndOutputs,
  checkRunIdInjection,
];

/**
 * Checks an agent document (JSON or YAML text, bytes, or a parsed object) the way the platform
 * will run it: loader issues (unreadable, unsupported version, broken references, …), then the
 * flow graph of the root Flow and of every nested one, then the runtime invariants. Never throws
 * on bad input: every problem is an error with a stable code and the JSON pointer of where it
 * is written.
 */
export function validate(
  content: string | Uint8Array | object,
  options: ValidateOptions = {},
): AgentSpecValidation {
  let spec: LoadedAgentSpec;
  try {
    spec = loadAgentSpec(content, options);
  } catch (error) {
    if (error instanceof AgentSpecLoadError) return resultOf(error.issues);
    throw error;
  }
  const context = { spec, flows: flowsOf(spec), floatLiterals: floatLiteralPointers(content) };
  return resultOf(RULES.flatMap((rule) => rule(context)));
}

function resultOf(issues: AgentSpecIssue[]): AgentSpecValidation {
  const seen = new Set<string>();
  const errors = issues
    .filter((issue) => {
      const key = `${issue.code}\u0000${issue.path}\u0000${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ code, path, message }) => ({ code, path, message }))
    .sort(
      (a, b) =>
        comparePointers(a.path, b.path) ||
        (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
        (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
    );
  return { valid: errors.length === 0, errors };
}
