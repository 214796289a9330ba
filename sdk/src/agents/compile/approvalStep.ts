import type { AgentSpecComponent, AgentSpecProperty } from '../types.js';
import type { ApprovalReason, ApprovalStep } from './CompiledAgent.js';
import { cinatraMetadata, isComponent, stringList } from './cinatraMetadata.js';
import { propertiesSchema } from './propertiesSchema.js';

/** What a step inherits from the flows it is nested in. */
export interface HitlScope {
  /** `hitlScreens` of the innermost flow that declares them. */
  hitlScreens: readonly string[];
  /** The sub-agent package the flow belongs to, null at the agent's own level. */
  childAgent: string | null;
  /**
   * Who handles a pause: `self` at the agent's own level; inside a sub-agent, what the node
   * running it says (`metadata.cinatra.hitlOwnedBy`), by default `childAgent`.
   */
  hitlOwnedBy: 'self' | 'childAgent';
}

/** Agent Spec's output of an InputMessageNode that declares none. */
const DEFAULT_INPUT_MESSAGE_OUTPUT: AgentSpecProperty = { title: 'user_input', type: 'string' };

/** The pause a node makes, or null when the run goes through it without waiting for anyone. */
export function approvalStep(
  node: AgentSpecComponent,
  at: { step: string; path: string },
  scope: HitlScope,
): ApprovalStep | null {
  const cinatra = cinatraMetadata(node);
  const reason = pauseReason(node, cinatra);
  if (!reason) return null;
  const declaredRenderer = typeof cinatra.renderer === 'string' ? cinatra.renderer : null;
  // A message from a person is what a flow's screen is for; a bare approval or an agent's
  // question gets the runtime's own form unless the node names a screen.
  const renderer =
    declaredRenderer ??
    (reason === 'input_message' && scope.hitlScreens.length === 1 ? scope.hitlScreens[0]! : null);
  return {
    step: at.step,
    nodeId: node.id,
    name: node.name,
    componentType: node.component_type,
    path: at.path,
    reason,
    renderer,
    hitlOwnedBy: scope.hitlOwnedBy,
    riskClass: typeof cinatra.riskClass === 'string' ? cinatra.riskClass : null,
    sideEffects: stringList(cinatra.sideEffects),
    responseSchema:
      reason === 'input_message' ? propertiesSchema(node.outputs ?? [DEFAULT_INPUT_MESSAGE_OUTPUT]) : null,
    childAgent: scope.childAgent,
  };
}

function pauseReason(node: AgentSpecComponent, cinatra: Record<string, unknown>): ApprovalReason | null {
  if (node.component_type === 'InputMessageNode') return 'input_message';
  if (cinatra.requiresApproval === true || cinatra.approvalPolicy === 'always') return 'requires_approval';
  if (
    node.component_type === 'AgentNode' &&
    isComponent(node.agent) &&
    node.agent.component_type === 'Agent' &&
    node.agent.human_in_the_loop !== false
  ) {
    return 'agent_conversation';
  }
  return null;
}
