import type { AgentSpecComponent, AgentSpecIssue, LoadedAgentSpec } from '../types.js';
import type { AgentSpecFlows } from './flowGraph.js';
import type { AgentSpecValidationCode } from './validationCodes.js';

/** What every validation rule reads: the loaded document and its flows. */
export interface ValidationContext {
  spec: LoadedAgentSpec;
  flows: AgentSpecFlows;
  /**
   * Pointers of numbers written with a fraction or exponent (`5.0`, `1e3`). Parsing makes `5.0` the
   * integer 5; the runtime, reading the text, does not. Empty when the document was given parsed.
   */
  floatLiterals: ReadonlySet<string>;
}

/** A validation rule: reads the context, returns what it found, in any order. */
export type ValidationRule = (context: ValidationContext) => AgentSpecIssue[];

export function issue(code: AgentSpecValidationCode, path: string, message: string): AgentSpecIssue {
  return { code, path, message };
}

/** How messages name a component: `StartNode "start" (id start-1)`. */
export function describe(component: AgentSpecComponent): string {
  return `${component.component_type} "${component.name}" (id ${component.id})`;
}
