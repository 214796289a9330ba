/**
 * Every code the validator adds to the loader's. Codes are stable: tools and people match on them,
 * so a code is never renamed or reused for another meaning.
 */
export const AGENT_SPEC_VALIDATION_CODES = {
  root_not_flow: 'The top-level component is not a Flow; a Cinatra agent is a Flow.',
  missing_start_node: 'A flow lists no StartNode.',
  multiple_start_nodes: 'A flow lists more than one StartNode.',
  invalid_start_node: "A flow's `start_node` is missing, is not a StartNode, or is not one of its `nodes`.",
  missing_end_node: 'A flow lists no EndNode.',
  multiple_end_nodes: 'A flow lists more than one EndNode.',
  duplicate_node: 'A flow lists the same node (or two nodes with the same id) twice.',
  edge_unknown_node: 'An edge starts or ends at a node that is not one of the flow’s `nodes`.',
  edge_unknown_branch: 'A control edge leaves a node by a branch the node does not have.',
  duplicate_control_edge: 'Two control edges leave the same branch of the same node.',
  edge_unknown_port:
    'A data edge names an output its source node does not declare, or an input its destination does not.',
  unreachable_node: 'No path of control edges leads from the start node to the node.',
  incompatible_data_types: 'A data edge feeds an output into an input whose type it cannot be converted to.',
  api_placeholders_mismatch:
    "An ApiNode's `{{ placeholders }}` and its declared inputs are not the same set of names.",
  ternary_in_placeholder:
    'A `{{ }}` expression uses a JavaScript-style `a ? b : c` ternary, which is not Jinja.',
  integer_default_for_number:
    'A property typed `number` has an integer default; the runtime rejects it, declare `integer`.',
  end_output_unconnected:
    'An EndNode output has no data edge feeding it and no StartNode input of the same name to pass through.',
  run_id_injection:
    'The run id does not reach an ApiNode the way the runtime injects it (`cinatra_run_id` → `agent_run_id`).',
} as const;

export type AgentSpecValidationCode = keyof typeof AGENT_SPEC_VALIDATION_CODES;
