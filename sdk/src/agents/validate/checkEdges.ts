import type { AgentSpecComponent, AgentSpecIssue } from '../types.js';
import { portsOf, type FlowEdge, type FlowGraph, type Port } from './flowGraph.js';
import { isTypeCompatible } from './isTypeCompatible.js';
import { appendPointer } from './jsonPointer.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

/**
 * Every edge joins nodes of its own flow; a control edge leaves by a branch its node has, and
 * each branch by at most one edge; a data edge joins an output the source declares to an input
 * the destination declares, of compatible types.
 */
export function checkEdges(context: ValidationContext): AgentSpecIssue[] {
  const issues: AgentSpecIssue[] = [];
  for (const graph of context.flows.graphs) {
    checkControlEdges(graph, issues);
    for (const edge of graph.dataEdges ?? []) checkDataEdge(context, graph, edge, issues);
  }
  return issues;
}

function checkControlEdges(graph: FlowGraph, issues: AgentSpecIssue[]): void {
  const taken = new Map<AgentSpecComponent, Set<string>>();
  for (const { edge, path } of graph.controlEdges) {
    const from = endOf(graph, edge, 'from_node', path, issues);
    endOf(graph, edge, 'to_node', path, issues);
    if (!from) continue;
    const branches = branchesOf(from);
    // No from_branch means the node's default branch: `next`, or `default` for a BranchingNode.
    const branch =
      typeof edge.from_branch === 'string'
        ? edge.from_branch
        : branches && !branches.includes('next') && branches.includes('default')
          ? 'default'
          : 'next';
    if (branches !== undefined && !branches.includes(branch)) {
      issues.push(
        issue(
          'edge_unknown_branch',
          appendPointer(path, 'from_branch'),
          branches.length === 0
            ? `${describe(from)} ends its flow; no control edge can leave it.`
            : `${describe(from)} has no branch "${branch}" (its branches: ${branches.join(', ')}).`,
        ),
      );
      continue;
    }
    const used = taken.get(from) ?? new Set<string>();
    if (used.has(branch)) {
      issues.push(
        issue(
          'duplicate_control_edge',
          path,
          `Branch "${branch}" of ${describe(from)} already has a control edge; each branch leads to one node.`,
        ),
      );
    }
    used.add(branch);
    taken.set(from, used);
  }
}

function checkDataEdge(
  { spec }: ValidationContext,
  graph: FlowGraph,
  { edge, path }: FlowEdge,
  issues: AgentSpecIssue[],
): void {
  const source = endOf(graph, edge, 'source_node', path, issues);
  const destination = endOf(graph, edge, 'destination_node', path, issues);
  const output = source && portOf(spec, source, 'outputs', edge.source_output, path, 'source_output', issues);
  const input =
    destination &&
    portOf(spec, destination, 'inputs', edge.destination_input, path, 'destination_input', issues);
  if (!output || !input || isTypeCompatible(output.schema, input.schema)) return;
  issues.push(
    issue(
      'incompatible_data_types',
      path,
      `Output "${output.title}" of ${describe(source!)} is ${typeName(output.schema)}; input "${input.title}" of ${describe(destination!)} takes ${typeName(input.schema)}.`,
    ),
  );
}

/** The node at one end of an edge, when it is one of the flow's nodes; otherwise an issue. */
function endOf(
  graph: FlowGraph,
  edge: Record<string, unknown>,
  field: string,
  path: string,
  issues: AgentSpecIssue[],
): AgentSpecComponent | undefined {
  const node = edge[field];
  if (graph.nodes.has(node as AgentSpecComponent)) return node as AgentSpecComponent;
  const named =
    typeof node === 'object' && node !== null && 'component_type' in node
      ? describe(node as AgentSpecComponent)
      : undefined;
  issues.push(
    issue(
      'edge_unknown_node',
      appendPointer(path, field),
      named
        ? `${named} is not one of the nodes of ${describe(graph.flow)}.`
        : `The edge's ${field} does not name a node of ${describe(graph.flow)}.`,
    ),
  );
  return undefined;
}

function portOf(
  spec: ValidationContext['spec'],
  node: AgentSpecComponent,
  side: 'inputs' | 'outputs',
  name: unknown,
  path: string,
  field: string,
  issues: AgentSpecIssue[],
): Port | undefined {
  const ports = portsOf(spec, node, side);
  // Ports that only the runtime can work out (a remote agent's, say) cannot be checked here.
  if (ports === undefined) return undefined;
  const port = ports.find((candidate) => candidate.title === name);
  if (port) return port;
  const declared = ports.map((candidate) => candidate.title);
  issues.push(
    issue(
      'edge_unknown_port',
      appendPointer(path, field),
      `${describe(node)} has no ${side === 'inputs' ? 'input' : 'output'} ${JSON.stringify(name)}` +
        (declared.length > 0 ? ` (it declares: ${declared.join(', ')}).` : ` (it declares none).`),
    ),
  );
  return undefined;
}

/**
 * Branches a node can be left by, or `undefined` when the document does not say and they depend
 * on configuration (a BranchingNode's mapping, a subflow's EndNodes).
 */
function branchesOf(node: AgentSpecComponent): string[] | undefined {
  if (node.component_type === 'EndNode') return [];
  if (Array.isArray(node.branches)) return node.branches.filter((branch) => typeof branch === 'string');
  if (['BranchingNode', 'FlowNode', 'CatchExceptionNode'].includes(node.component_type)) return undefined;
  return ['next'];
}

function typeName(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) return 'a union';
  const type = schema.type;
  if (Array.isArray(type)) return type.join(' | ');
  if (type === 'array' && typeof schema.items === 'object' && schema.items !== null) {
    return `array of ${typeName(schema.items as Record<string, unknown>)}`;
  }
  return typeof type === 'string' ? type : 'untyped';
}
