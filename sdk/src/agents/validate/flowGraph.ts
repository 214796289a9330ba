import { inferredInputs, inferredOutputs } from '../load/placeholders.js';
import type { AgentSpecComponent, AgentSpecProperty, LoadedAgentSpec } from '../types.js';
import { componentsOf, isComponent } from './componentValues.js';
import { appendPointer } from './jsonPointer.js';

/** A node as a flow lists it: the node and the pointer of its entry in the flow's `nodes`. */
export interface FlowMember {
  node: AgentSpecComponent;
  /** `…/nodes/3`: where this flow lists the node (a reference or the definition itself). */
  entry: string;
}

/** An edge of a flow and the pointer where its fields are written. */
export interface FlowEdge {
  edge: Record<string, unknown>;
  path: string;
}

/** One Flow of the document seen as a graph. */
export interface FlowGraph {
  flow: AgentSpecComponent;
  path: string;
  members: FlowMember[];
  /** The nodes of the flow, for membership tests of edge ends. */
  nodes: ReadonlySet<AgentSpecComponent>;
  controlEdges: FlowEdge[];
  /**
   * `null` when the flow declares no data edges at all: Agent Spec then wires inputs to outputs
   * of the same name, so name-based rules apply instead of edge-based ones.
   */
  dataEdges: FlowEdge[] | null;
  startNodes: FlowMember[];
  endNodes: FlowMember[];
  /** The node execution begins at: `start_node` when it is a listed StartNode, else the only StartNode. */
  start: AgentSpecComponent | undefined;
}

/** Where a nested flow sits: the node that runs it and the flow that node belongs to. */
export interface FlowContainer {
  node: AgentSpecComponent;
  graph: FlowGraph;
}

/** Every Flow of a document (the root first, nested and referenced ones after) with the links between them. */
export interface AgentSpecFlows {
  graphs: FlowGraph[];
  /** The flow a node is listed in (the first, should a node be listed in several). */
  graphOfNode: ReadonlyMap<AgentSpecComponent, FlowGraph>;
  /** For a nested flow, the node (FlowNode, MapNode, …) that runs it. */
  containerOfFlow: ReadonlyMap<AgentSpecComponent, FlowContainer>;
}

export function flowsOf(spec: LoadedAgentSpec): AgentSpecFlows {
  const graphs = componentsOf(spec)
    .filter((component) => component.component_type === 'Flow')
    .map((flow) => flowGraphOf(spec, flow));
  const graphOfNode = new Map<AgentSpecComponent, FlowGraph>();
  for (const graph of graphs) {
    for (const { node } of graph.members) if (!graphOfNode.has(node)) graphOfNode.set(node, graph);
  }
  const byFlow = new Map(graphs.map((graph) => [graph.flow, graph]));
  const containerOfFlow = new Map<AgentSpecComponent, FlowContainer>();
  for (const graph of graphs) {
    for (const { node } of graph.members) {
      for (const subflow of subflowsOf(spec, node)) {
        if (byFlow.has(subflow) && !containerOfFlow.has(subflow))
          containerOfFlow.set(subflow, { node, graph });
      }
    }
  }
  return { graphs, graphOfNode, containerOfFlow };
}

/** Flows a node runs: `subflow` (FlowNode, MapNode, CatchExceptionNode, …) and `subflows` (ParallelFlowNode). */
export function subflowsOf(spec: LoadedAgentSpec, node: AgentSpecComponent): AgentSpecComponent[] {
  const candidates = [node.subflow, ...(Array.isArray(node.subflows) ? node.subflows : [])];
  return candidates.filter(
    (candidate): candidate is AgentSpecComponent =>
      isComponent(spec, candidate) && candidate.component_type === 'Flow',
  );
}

/** Titles of a component's `inputs` or `outputs`, in order, with the pointer of each. */
export function propertiesOf(
  spec: LoadedAgentSpec,
  component: AgentSpecComponent,
  side: 'inputs' | 'outputs',
): Array<{ title: string; schema: Record<string, unknown>; path: string }> {
  const list: unknown = component[side];
  if (!Array.isArray(list)) return [];
  const properties: Array<{ title: string; schema: Record<string, unknown>; path: string }> = [];
  list.forEach((property: unknown, index) => {
    if (typeof property !== 'object' || property === null) return;
    const title = (property as { title?: unknown }).title;
    if (typeof title !== 'string') return;
    properties.push({
      title,
      schema: property as Record<string, unknown>,
      path: appendPointer(spec.pathOf(component), side, index),
    });
  });
  return properties;
}

/** A port a data edge can name: a title and its JSON Schema. */
export interface Port {
  title: string;
  schema: Record<string, unknown>;
}

/**
 * The inputs or outputs a node offers to data edges: those it declares, or when it declares none,
 * those Agent Spec gives it — a StartNode outputs its inputs, an EndNode takes its outputs, a
 * FlowNode has its subflow's, a MapNode its subflow's with the `iterated_` / `collected_`
 * prefixes, an AgentNode or ToolNode those of what it runs, and templated nodes the
 * placeholders of their templates. `undefined` when they cannot be known from the document.
 */
export function portsOf(
  spec: LoadedAgentSpec,
  node: AgentSpecComponent,
  side: 'inputs' | 'outputs',
  depth = 0,
): Port[] | undefined {
  if (Array.isArray(node[side])) return propertiesOf(spec, node, side);
  if (depth > 16) return undefined;
  const inner = (component: unknown, innerSide: 'inputs' | 'outputs' = side): Port[] | undefined =>
    isComponent(spec, component) ? portsOf(spec, component, innerSide, depth + 1) : undefined;
  switch (node.component_type) {
    case 'StartNode':
      return side === 'outputs' ? inner(node, 'inputs') : [];
    case 'EndNode':
      return side === 'inputs' ? inner(node, 'outputs') : [];
    case 'FlowNode':
      return inner(node.subflow);
    case 'CatchExceptionNode': {
      const ports = inner(node.subflow);
      return side === 'outputs' && ports
        ? [...ports, { title: 'caught_exception_info', schema: { title: 'caught_exception_info' } }]
        : ports;
    }
    case 'MapNode':
    case 'ParallelMapNode': {
      const prefix = side === 'inputs' ? 'iterated_' : 'collected_';
      return inner(node.subflow)?.map((port) => ({
        title: prefix + port.title,
        // Untyped: a MapNode takes an item or a list of items, and what it collects depends on its reducer.
        schema: { title: prefix + port.title },
      }));
    }
    case 'AgentNode':
      return inner(node.agent);
    case 'ToolNode':
      return inner(node.tool);
    default: {
      const inferred = side === 'inputs' ? inferredInputs(node) : inferredOutputs(node);
      return inferred?.map((property: AgentSpecProperty) => ({
        title: property.title,
        schema: property as Record<string, unknown>,
      }));
    }
  }
}

function flowGraphOf(spec: LoadedAgentSpec, flow: AgentSpecComponent): FlowGraph {
  const path = spec.pathOf(flow);
  const members: FlowMember[] = [];
  if (Array.isArray(flow.nodes)) {
    flow.nodes.forEach((node: unknown, index) => {
      if (isComponent(spec, node)) members.push({ node, entry: appendPointer(path, 'nodes', index) });
    });
  }
  const nodes = new Set(members.map((member) => member.node));
  const startNodes = members.filter((member) => member.node.component_type === 'StartNode');
  const endNodes = members.filter((member) => member.node.component_type === 'EndNode');
  const declared = flow.start_node;
  const start =
    isComponent(spec, declared) && declared.component_type === 'StartNode' && nodes.has(declared)
      ? declared
      : startNodes.length === 1
        ? startNodes[0]!.node
        : undefined;
  return {
    flow,
    path,
    members,
    nodes,
    controlEdges: edgesOf(spec, flow, 'control_flow_connections') ?? [],
    dataEdges: edgesOf(spec, flow, 'data_flow_connections'),
    startNodes,
    endNodes,
    start,
  };
}

function edgesOf(spec: LoadedAgentSpec, flow: AgentSpecComponent, field: string): FlowEdge[] | null {
  const list = flow[field];
  if (!Array.isArray(list)) return null;
  const edges: FlowEdge[] = [];
  list.forEach((edge: unknown, index) => {
    if (typeof edge !== 'object' || edge === null || Array.isArray(edge)) return;
    const path = isComponent(spec, edge) ? spec.pathOf(edge) : appendPointer(spec.pathOf(flow), field, index);
    edges.push({ edge: edge as Record<string, unknown>, path });
  });
  return edges;
}
