import type { AgentSpecProperty } from '../types.js';

/**
 * What the compiler derives from an agent's Agent Spec Flow. Authors never write any of it:
 * it is recomputed from the document (and its package.json) whenever either changes, and the
 * same document always compiles to the same value, key order included.
 */
export interface CompiledAgent {
  agentSpecVersion: string;
  /** The root Flow's id, name and description. */
  id: string;
  name: string;
  description: string | null;
  /** `metadata.cinatra.type`: `node` for a single-concern agent, `orchestrator` for one that runs others. */
  type: string;
  /** From the sibling package.json when given to the compiler, else null. */
  packageName: string | null;
  packageVersion: string | null;
  /** JSON Schema of what a run is started with, from the Flow's `inputs`. */
  inputSchema: ObjectJsonSchema;
  /** JSON Schema of what a finished run returns, from the Flow's `outputs`. */
  outputSchema: ObjectJsonSchema;
  /** Every step at which a run may stop and wait for a person, in plan order (sub-flows included). */
  approvalPolicy: ApprovalPolicy;
  /** The steps, breadth-first from the start node along control edges; sub-flows nested in their step. */
  plan: CompiledPlanStep[];
  /** `metadata.cinatra.hitlScreens`: the renderer ids (`@scope/pkg:screen`) this agent may show. */
  hitlScreens: string[];
  /** `metadata.cinatra.llm` as declared (model preferences), or null. */
  llm: Record<string, unknown> | null;
  /** Package names of the sub-agents the plan runs (`metadata.cinatra.packageName` of its steps), sorted. */
  agentDependencies: string[];
}

/** An object schema whose properties are Agent Spec properties (each keyed by its `title`). */
export interface ObjectJsonSchema {
  type: 'object';
  properties: Record<string, AgentSpecProperty>;
  /** The properties without a `default`. */
  required: string[];
  additionalProperties: false;
}

export interface CompiledFlow {
  id: string;
  name: string;
  steps: CompiledPlanStep[];
}

export interface CompiledPlanStep {
  /**
   * Position in the plan: `"1"`, `"2"`, …; the steps of a sub-flow are numbered under their
   * step (`"4.1"`, `"4.2"`), those of the i-th flow of a ParallelFlowNode as `"4.i.1"`.
   */
  step: string;
  nodeId: string;
  name: string;
  componentType: string;
  /** JSON pointer of the node's definition in the document. */
  path: string;
  /** Outgoing control edges in document order: the branch and the step it leads to. */
  next: CompiledTransition[];
  /** EndNode: the branch the flow finishes with (`branch_name`, default `next`). */
  exitBranch?: string;
  /** AgentNode: the agent it runs. */
  agent?: { id: string; name: string; componentType: string };
  /** FlowNode (or an AgentNode running a Flow): the sub-flow's own plan. */
  subflow?: CompiledFlow;
  /** ParallelFlowNode: its flows, run side by side. */
  parallel?: CompiledFlow[];
  /** The sub-agent package the step runs (`metadata.cinatra.packageName`). */
  childAgent?: { packageName: string };
}

export interface CompiledTransition {
  /** `from_branch` of the edge, `next` when the edge names none. */
  branch: string;
  step: string;
}

export interface ApprovalPolicy {
  steps: ApprovalStep[];
}

/**
 * Why a step pauses: an InputMessageNode always waits for a person's message; any step whose
 * `metadata.cinatra` says `requiresApproval: true` (or `approvalPolicy: "always"`) waits for an
 * approval before it runs; an AgentNode whose agent keeps `human_in_the_loop` (the Agent Spec
 * default) may stop to ask the user.
 */
export type ApprovalReason = 'input_message' | 'requires_approval' | 'agent_conversation';

export interface ApprovalStep {
  /** The step in the plan (`CompiledPlanStep.step`). */
  step: string;
  nodeId: string;
  name: string;
  componentType: string;
  path: string;
  reason: ApprovalReason;
  /**
   * The HITL screen shown for the pause: the node's `metadata.cinatra.renderer`, else the
   * enclosing flow's only `hitlScreens` entry; null leaves it to the runtime's default form.
   */
  renderer: string | null;
  /** `self` when this agent's screen handles it; `childAgent` when the sub-agent's own does. */
  hitlOwnedBy: 'self' | 'childAgent';
  /** `metadata.cinatra.riskClass` of the node (e.g. `read_only`, `write`, `send_external_message`). */
  riskClass: string | null;
  /** `metadata.cinatra.sideEffects` of the node. */
  sideEffects: string[];
  /** InputMessageNode: JSON Schema of what the person answers with (the node's outputs). */
  responseSchema: ObjectJsonSchema | null;
  /** The sub-agent package the paused step belongs to, when it sits in one. */
  childAgent: string | null;
}
