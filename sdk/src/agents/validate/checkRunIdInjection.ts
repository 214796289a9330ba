import type { AgentSpecComponent, AgentSpecIssue } from '../types.js';
import { componentsOf, forEachComponentValue } from './componentValues.js';
import { propertiesOf, type FlowGraph } from './flowGraph.js';
import { appendPointer } from './jsonPointer.js';
import { placeholderNames } from './placeholderNames.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

/** The input the runtime fills with the run id when it starts a flow. */
export const INJECTED_RUN_ID = 'cinatra_run_id';
/** The name ApiNodes send the run id under, which the LLM bridge requires in its body. */
export const API_RUN_ID = 'agent_run_id';

const LLM_BRIDGE = /\/api\/llm-bridge(?![\w-])/;

/**
 * The runtime injects the run id as the root input `cinatra_run_id` (never `agent_run_id`). An
 * ApiNode that sends it declares `agent_run_id` (no default) fed by a data edge from its flow's
 * StartNode `cinatra_run_id`; a nested flow receives it the same way from the flow around it, up
 * to the root, whose `cinatra_run_id` defaults to `""`. Calls to the LLM bridge must send it.
 */
export function checkRunIdInjection(context: ValidationContext): AgentSpecIssue[] {
  const { spec, flows } = context;
  const issues: AgentSpecIssue[] = [];
  const rootGraph = flows.graphs.find((graph) => graph.flow === spec.root);
  if (rootGraph?.start) {
    const wrong = propertiesOf(spec, rootGraph.start, 'inputs').find((input) => input.title === API_RUN_ID);
    if (wrong) {
      issues.push(
        issue(
          'run_id_injection',
          wrong.path,
          `The runtime injects the run id as "${INJECTED_RUN_ID}", never "${API_RUN_ID}"; declare "${INJECTED_RUN_ID}" and map it to "${API_RUN_ID}" with a data edge.`,
        ),
      );
    }
  }
  const checkedFlows = new Set<FlowGraph>();
  for (const node of componentsOf(spec)) {
    if (node.component_type !== 'ApiNode') continue;
    if (typeof node.url === 'string' && LLM_BRIDGE.test(node.url) && !sendsRunId(context, node)) {
      issues.push(
        issue(
          'run_id_injection',
          appendPointer(spec.pathOf(node), 'data'),
          `${describe(node)} calls the LLM bridge, which requires {{ ${API_RUN_ID} }} in the request body.`,
        ),
      );
    }
    const input = propertiesOf(spec, node, 'inputs').find((property) => property.title === API_RUN_ID);
    const graph = flows.graphOfNode.get(node);
    if (!input || !graph) continue;
    if ('default' in input.schema) {
      issues.push(
        issue(
          'run_id_injection',
          appendPointer(input.path, 'default'),
          `Input "${API_RUN_ID}" of ${describe(node)} must come from the run, not from a default.`,
        ),
      );
    }
    if (fedFromStart(graph, node, API_RUN_ID, input.path, issues)) {
      checkFlowReceivesRunId(context, graph, checkedFlows, issues);
    }
  }
  return issues;
}

function sendsRunId({ spec }: ValidationContext, node: AgentSpecComponent): boolean {
  let found = false;
  forEachComponentValue(spec, node, ({ value, tokens }) => {
    if (tokens[0] !== 'data') return;
    const texts = typeof value === 'string' ? [value] : isRecord(value) ? Object.keys(value) : [];
    if (texts.some((text) => placeholderNames(text).includes(API_RUN_ID))) found = true;
  });
  return found;
}

/**
 * True when `node`'s `port` is fed by a data edge from the flow's StartNode `cinatra_run_id`;
 * otherwise records why not.
 */
function fedFromStart(
  graph: FlowGraph,
  node: AgentSpecComponent,
  port: string,
  missingPath: string,
  issues: AgentSpecIssue[],
): boolean {
  const feeding = (graph.dataEdges ?? []).filter(
    ({ edge }) => edge.destination_node === node && edge.destination_input === port,
  );
  if (feeding.length === 0) {
    issues.push(
      issue(
        'run_id_injection',
        missingPath,
        `No data edge feeds "${port}" of ${describe(node)}; add one from the StartNode's "${INJECTED_RUN_ID}".`,
      ),
    );
    return false;
  }
  let fromStart = true;
  for (const { edge, path } of feeding) {
    const source = edge.source_node as AgentSpecComponent | undefined;
    if (source?.component_type === 'StartNode' && edge.source_output === INJECTED_RUN_ID) continue;
    fromStart = false;
    issues.push(
      issue(
        'run_id_injection',
        appendPointer(path, 'source_output'),
        `"${port}" of ${describe(node)} must be fed from the StartNode's "${INJECTED_RUN_ID}", the input the runtime injects.`,
      ),
    );
  }
  return fromStart;
}

/** The flow's StartNode `cinatra_run_id` is itself filled: by the runtime at the root, by the parent flow below it. */
function checkFlowReceivesRunId(
  context: ValidationContext,
  graph: FlowGraph,
  checked: Set<FlowGraph>,
  issues: AgentSpecIssue[],
): void {
  const { spec, flows } = context;
  if (checked.has(graph) || !graph.start) return;
  checked.add(graph);
  const startInput = propertiesOf(spec, graph.start, 'inputs').find(
    (input) => input.title === INJECTED_RUN_ID,
  );
  // A missing StartNode input is already an unknown port of the edge that reads it.
  if (!startInput) return;
  const container = flows.containerOfFlow.get(graph.flow);
  if (container) {
    const port = /MapNode$/.test(container.node.component_type)
      ? `iterated_${INJECTED_RUN_ID}`
      : INJECTED_RUN_ID;
    if (fedFromStart(container.graph, container.node, port, spec.pathOf(container.node), issues)) {
      checkFlowReceivesRunId(context, container.graph, checked, issues);
    }
    return;
  }
  if (graph.flow !== spec.root) return;
  if (startInput.schema.default !== '') {
    issues.push(
      issue(
        'run_id_injection',
        startInput.path,
        `"${INJECTED_RUN_ID}" of ${describe(graph.start)} needs "default": "" so runs started without it are accepted.`,
      ),
    );
  }
  if (!propertiesOf(spec, graph.flow, 'inputs').some((input) => input.title === INJECTED_RUN_ID)) {
    issues.push(
      issue(
        'run_id_injection',
        appendPointer(graph.path, 'inputs'),
        `${describe(graph.flow)} must declare "${INJECTED_RUN_ID}" in its inputs for the runtime to inject it.`,
      ),
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
