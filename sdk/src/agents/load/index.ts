export { loadAgentSpec, loadAgentSpecComponents } from './loadAgentSpec.js';
export type { LoadAgentSpecOptions, LoadedAgentSpecComponents } from './loadAgentSpec.js';
export { serializeAgentSpec } from './serializeAgentSpec.js';
export {
  AGENTSPEC_PLACEHOLDER_PATTERN,
  inferredInputs,
  inferredOutputs,
  placeholdersIn,
  placeholdersOf,
} from './placeholders.js';
export {
  AGENTSPEC_COMPONENT_FAMILIES,
  AGENTSPEC_COMPONENT_TYPES,
  componentFieldsOf,
  isAgentSpecComponentType,
  isInFamily,
} from './componentTypes.js';
export type {
  AgentSpecComponentFamily,
  AgentSpecComponentField,
  AgentSpecComponentTypeInfo,
} from './componentTypes.js';
export { AGENTSPEC_LOAD_ISSUE_CODES } from './issueCodes.js';
export type { AgentSpecLoadIssueCode } from './issueCodes.js';
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, MAX_DEPTH_LIMIT } from './readDocument.js';
