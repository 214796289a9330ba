import type { AgentSpecComponent, LoadedAgentSpec } from '../types.js';
import { propertiesOf, type AgentSpecFlows } from '../validate/flowGraph.js';
import { finding, type ReviewFinding } from './ReviewFinding.js';

/** The StartNode's `metadata.cinatra.required` and `hidden` lists. */
export function startInputListsOf(start: AgentSpecComponent): { required: Set<string>; hidden: Set<string> } {
  const cinatra = start.metadata?.cinatra;
  const list = (name: string): Set<string> => {
    const value =
      typeof cinatra === 'object' && cinatra !== null
        ? (cinatra as Record<string, unknown>)[name]
        : undefined;
    return new Set(
      Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [],
    );
  };
  return { required: list('required'), hidden: list('hidden') };
}

/**
 * Every StartNode input — of the root flow and of every nested one — is either required from the
 * caller or hidden from the form: an input that is neither is an optional field callers see and
 * most will leave empty, usually by oversight.
 */
export function checkStartInputs(
  spec: LoadedAgentSpec,
  flows: AgentSpecFlows,
  file: string,
): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const graph of flows.graphs) {
    for (const { node: start } of graph.startNodes) {
      const { required, hidden } = startInputListsOf(start);
      for (const input of propertiesOf(spec, start, 'inputs')) {
        if (required.has(input.title) || hidden.has(input.title)) continue;
        findings.push(
          finding(
            'start_input_not_required_or_hidden',
            file,
            input.path,
            `Input "${input.title}" of StartNode "${start.name}" is in neither metadata.cinatra.required nor metadata.cinatra.hidden.`,
          ),
        );
      }
    }
  }
  return findings;
}
