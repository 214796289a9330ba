import type { AgentSpecIssue } from '../types.js';
import { isComponent } from './componentValues.js';
import { appendPointer } from './jsonPointer.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

/** The root is a Flow; each flow lists exactly one StartNode (its `start_node`) and one EndNode, each node once. */
export function checkFlowStructure({ spec, flows }: ValidationContext): AgentSpecIssue[] {
  const issues: AgentSpecIssue[] = [];
  if (spec.root.component_type !== 'Flow') {
    issues.push(
      issue(
        'root_not_flow',
        appendPointer(spec.pathOf(spec.root), 'component_type'),
        `The top-level component is a ${spec.root.component_type}; a Cinatra agent is a Flow.`,
      ),
    );
  }
  for (const graph of flows.graphs) {
    const flow = describe(graph.flow);
    if (graph.startNodes.length === 0) {
      issues.push(
        issue('missing_start_node', appendPointer(graph.path, 'nodes'), `${flow} lists no StartNode.`),
      );
    }
    for (const extra of graph.startNodes.slice(1)) {
      issues.push(
        issue(
          'multiple_start_nodes',
          extra.entry,
          `${flow} lists a second StartNode, ${describe(extra.node)}; a flow has exactly one.`,
        ),
      );
    }
    const declared = graph.flow.start_node;
    const declaredIsStart =
      isComponent(spec, declared) && declared.component_type === 'StartNode' && graph.nodes.has(declared);
    if (graph.startNodes.length > 0 && !declaredIsStart) {
      issues.push(
        issue(
          'invalid_start_node',
          appendPointer(graph.path, 'start_node'),
          declared === undefined || declared === null
            ? `${flow} does not name its start_node.`
            : `The start_node of ${flow} must be the StartNode listed in its nodes.`,
        ),
      );
    }
    if (graph.endNodes.length === 0) {
      issues.push(issue('missing_end_node', appendPointer(graph.path, 'nodes'), `${flow} lists no EndNode.`));
    }
    for (const extra of graph.endNodes.slice(1)) {
      issues.push(
        issue(
          'multiple_end_nodes',
          extra.entry,
          `${flow} lists a second EndNode, ${describe(extra.node)}; a Cinatra flow has exactly one.`,
        ),
      );
    }
    const seen = new Set<string>();
    for (const member of graph.members) {
      if (seen.has(member.node.id)) {
        issues.push(
          issue('duplicate_node', member.entry, `${flow} lists ${describe(member.node)} more than once.`),
        );
      }
      seen.add(member.node.id);
    }
  }
  return issues;
}
