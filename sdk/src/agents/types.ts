/**
 * Agents are Open Agent Specification (Agent Spec) Flow documents. These types are the contract
 * between the loader, the validator, the review lint and the compiler in this folder: authors
 * run all of them offline through `cinatra-ext agents …`, the platform runs the same code.
 */

/** The version Cinatra agents are written in. */
export const CINATRA_AGENTSPEC_VERSION = '26.1.0';

/** Versions the loader reads; any other `agentspec_version` is refused with the version named. */
export const SUPPORTED_AGENTSPEC_VERSIONS = ['25.4.1', '25.4.2', '26.1.0', '26.1.2'] as const;
export type AgentSpecVersion = (typeof SUPPORTED_AGENTSPEC_VERSIONS)[number];

/** One problem found in a document: a stable code, where (JSON pointer into the document) and what. */
export interface AgentSpecIssue {
  /** Stable, e.g. `unsupported_version`, `missing_reference`, `unreachable_node`. Never renamed. */
  code: string;
  /** JSON pointer into the document as written (`""` for the root, `/nodes/2/inputs`). */
  path: string;
  message: string;
}

/** A JSON Schema property as Agent Spec writes inputs and outputs (`title` is the name). */
export interface AgentSpecProperty {
  title: string;
  type?: string | string[];
  description?: string;
  default?: unknown;
  [keyword: string]: unknown;
}

/**
 * Any Agent Spec component once loaded: `{"$component_ref": id}` references are replaced by the
 * referenced component itself (the same object wherever the same id is referenced), and nested
 * `$referenced_components` are folded into the document's component table.
 */
export interface AgentSpecComponent {
  component_type: string;
  id: string;
  name: string;
  description?: string;
  metadata?: Record<string, unknown>;
  inputs?: AgentSpecProperty[];
  outputs?: AgentSpecProperty[];
  [field: string]: unknown;
}

export interface LoadedAgentSpec {
  version: AgentSpecVersion;
  /** The top-level component (a Flow for Cinatra agents), references resolved. */
  root: AgentSpecComponent;
  /** Every component of the document by id, wherever it was defined. */
  components: ReadonlyMap<string, AgentSpecComponent>;
  /** JSON pointer of where a component was defined in the document. */
  pathOf(component: AgentSpecComponent): string;
}

/** Thrown by the loader: the document cannot be read as Agent Spec. Carries every issue found. */
export class AgentSpecLoadError extends Error {
  override readonly name = 'AgentSpecLoadError';

  /** `origin`: the file or URL the document came from, when known; it prefixes the message. */
  constructor(
    readonly issues: AgentSpecIssue[],
    readonly origin?: string,
  ) {
    super(
      (origin ? `${origin}: ` : '') +
        issues.map((issue) => `${issue.path || '/'}: ${issue.message}`).join('; '),
    );
  }
}
