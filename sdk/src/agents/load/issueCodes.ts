/**
 * Stable codes of the issues `loadAgentSpec` reports. Codes are never renamed; new ones may be
 * added. Every issue also carries the JSON pointer of the offending place and a message.
 */
export const AGENTSPEC_LOAD_ISSUE_CODES = [
  /** The document is larger than `maxBytes` (or, for an object, has more values than that). */
  'too_large',
  /** The document nests deeper than `maxDepth`, as written or once references are resolved. */
  'too_deep',
  /** Bytes that are not UTF-8. */
  'invalid_encoding',
  'invalid_json',
  'invalid_yaml',
  /** An object repeats a key (JSON or YAML); `JSON.parse` would silently keep the last one. */
  'duplicate_key',
  /** A value that has no JSON form (a function, `undefined`, `NaN`, a class instance, …). */
  'invalid_value',
  /** The document has no top-level `agentspec_version`. */
  'missing_version',
  /** `agentspec_version` names a version this loader does not read (the message names it). */
  'unsupported_version',
  /** A nested `agentspec_version`: misplaced, or contradicting the document's version. */
  'nested_version',
  /** Something that should be a component (or a `$component_ref`) is not. */
  'invalid_component',
  /** A `component_type` this loader does not know, e.g. a plugin component. */
  'unknown_component_type',
  /** The document holds only `$referenced_components` (use `loadAgentSpecComponents`). */
  'missing_root_component',
  /** A `$component_ref` names a key no `$referenced_components` (or supplied registry) defines. */
  'missing_reference',
  /** The same `$referenced_components` key is defined twice (at one level or at two). */
  'duplicate_reference_key',
  /** A component refers to itself, directly or through other components. */
  'self_reference',
  /** Two different components carry the same `id`. */
  'duplicate_component_id',
] as const;

export type AgentSpecLoadIssueCode = (typeof AGENTSPEC_LOAD_ISSUE_CODES)[number];
