import type { AgentSpecComponent, AgentSpecIssue } from '../types.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

/** Every node of a flow can be reached from its start node by following control edges. */
export function checkReachability({ flows }: ValidationContext): AgentSpecIssue[] {
  const issues: AgentSpecIssue[] = [];
  for (const graph of flows.graphs) {
    // Without a single start node, "reachable" has no meaning; the start node rules report it.
    if (!graph.start) continue;
    const next = new Map<AgentSpecComponent, AgentSpecComponent[]>();
    for (const { edge } of graph.controlEdges) {
      const from = edge.from_node as AgentSpecComponent;
      const to = edge.to_node as AgentSpecComponent;
      if (!graph.nodes.has(from) || !graph.nodes.has(to)) continue;
      next.set(from, [...(next.get(from) ?? []), to]);
    }
    const reached = new Set<AgentSpecComponent>([graph.start]);
    const queue = [graph.start];
    for (let node = queue.shift(); node; node = queue.shift()) {
      for (const target of next.get(node) ?? []) {
        if (reached.has(target)) continue;
        reached.add(target);
        queue.push(target);
      }
    }
    for (const member of graph.members) {
      if (reached.has(member.node)) continue;
      // A node listed twice is reported once; duplicate_node names the second entry.
      reached.add(member.node);
      issues.push(
        issue(
          'unreachable_node',
          member.entry,
          `No control edge path leads from the start node of ${describe(graph.flow)} to ${describe(member.node)}.`,
        ),
      );
    }
  }
  return issues;
}
