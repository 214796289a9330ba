import type { AgentSpecIssue } from '../types.js';
import { propertiesOf } from './flowGraph.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

/**
 * The runtime refuses a flow whose EndNode declares an output nothing produces. An output is
 * produced when a data edge feeds it, or passed through when the StartNode has an input of the
 * same name; in a flow without data edges (wired by name) any node's output of that name counts.
 * An output with a default needs neither.
 */
export function checkEndOutputs({ spec, flows }: ValidationContext): AgentSpecIssue[] {
  const issues: AgentSpecIssue[] = [];
  for (const graph of flows.graphs) {
    const passedThrough = new Set(
      graph.start ? propertiesOf(spec, graph.start, 'inputs').map((property) => property.title) : [],
    );
    for (const { node: end } of graph.endNodes) {
      const fed = new Set<string>();
      if (graph.dataEdges) {
        for (const { edge } of graph.dataEdges) {
          if (edge.destination_node === end && typeof edge.destination_input === 'string') {
            fed.add(edge.destination_input);
          }
        }
      } else {
        for (const { node } of graph.members) {
          if (node === end) continue;
          for (const output of propertiesOf(spec, node, 'outputs')) fed.add(output.title);
        }
      }
      for (const output of propertiesOf(spec, end, 'outputs')) {
        if (fed.has(output.title) || passedThrough.has(output.title) || 'default' in output.schema) continue;
        issues.push(
          issue(
            'end_output_unconnected',
            output.path,
            `Output "${output.title}" of ${describe(end)} has no data edge feeding it and no StartNode input to pass through;` +
              ` wire one, or remove the output.`,
          ),
        );
      }
    }
  }
  return issues;
}
