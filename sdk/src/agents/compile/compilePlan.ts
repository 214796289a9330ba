import type { AgentSpecComponent, AgentSpecIssue, LoadedAgentSpec } from '../types.js';
import type { ApprovalStep, CompiledFlow, CompiledPlanStep } from './CompiledAgent.js';
import { approvalStep, type HitlScope } from './approvalStep.js';
import { cinatraMetadata, isComponent, stringList } from './cinatraMetadata.js';

export interface CompiledPlan {
  plan: CompiledPlanStep[];
  approvalSteps: ApprovalStep[];
  agentDependencies: string[];
  issues: AgentSpecIssue[];
}

/**
 * Orders a validated Flow into steps: breadth-first from `start_node` along the control edges
 * (each node's edges in document order), so the order of the `nodes` array never matters.
 * Sub-flows (FlowNode, a Flow run by an AgentNode, each flow of a ParallelFlowNode) are
 * compiled the same way inside their step (the loader refuses a flow that contains itself, so
 * this ends). Collects on the way the steps that pause for a
 * person and the sub-agent packages the plan runs.
 */
export function compilePlan(spec: LoadedAgentSpec): CompiledPlan {
  const root = spec.root;
  const rootScreens = stringList(cinatraMetadata(root).hitlScreens);
  const walk = new PlanWalk(spec, new Set(rootScreens));
  const plan = walk.flow(root, '', { hitlScreens: rootScreens, childAgent: null, hitlOwnedBy: 'self' });
  return {
    plan,
    approvalSteps: walk.approvalSteps,
    agentDependencies: [...walk.dependencies].sort(),
    issues: walk.issues,
  };
}

class PlanWalk {
  readonly approvalSteps: ApprovalStep[] = [];
  readonly dependencies = new Set<string>();
  readonly issues: AgentSpecIssue[] = [];

  constructor(
    private readonly spec: LoadedAgentSpec,
    /** The screens the agent declares: every pause's screen, sub-agents' included, must be one. */
    private readonly declaredScreens: ReadonlySet<string>,
  ) {}

  flow(flow: AgentSpecComponent, prefix: string, scope: HitlScope): CompiledPlanStep[] {
    const outgoing = new Map<string, AgentSpecComponent[]>();
    for (const edge of components(flow.control_flow_connections)) {
      if (!isComponent(edge.from_node) || !isComponent(edge.to_node)) continue;
      const from = edge.from_node.id;
      outgoing.set(from, [...(outgoing.get(from) ?? []), edge]);
    }
    const label = (position: number) => (prefix ? `${prefix}.${position}` : String(position));
    const start = flow.start_node;
    if (!isComponent(start)) return [];
    const order: AgentSpecComponent[] = [start];
    const stepOf = new Map([[start.id, label(1)]]);
    for (let i = 0; i < order.length; i++) {
      for (const edge of outgoing.get(order[i]!.id) ?? []) {
        const to = edge.to_node as AgentSpecComponent;
        if (stepOf.has(to.id)) continue;
        order.push(to);
        stepOf.set(to.id, label(order.length));
      }
    }
    return order.map((node) => {
      const step = stepOf.get(node.id)!;
      const next = (outgoing.get(node.id) ?? []).map((edge) => ({
        branch: typeof edge.from_branch === 'string' ? edge.from_branch : 'next',
        step: stepOf.get((edge.to_node as AgentSpecComponent).id)!,
      }));
      return this.step(node, step, next, scope);
    });
  }

  private step(
    node: AgentSpecComponent,
    step: string,
    next: CompiledPlanStep['next'],
    scope: HitlScope,
  ): CompiledPlanStep {
    const path = this.spec.pathOf(node);
    const compiled: CompiledPlanStep = {
      step,
      nodeId: node.id,
      name: node.name,
      componentType: node.component_type,
      path,
      next,
    };
    if (node.component_type === 'EndNode') {
      compiled.exitBranch = typeof node.branch_name === 'string' ? node.branch_name : 'next';
    }
    const cinatra = cinatraMetadata(node);
    const packageName = typeof cinatra.packageName === 'string' ? cinatra.packageName : null;
    if (node.component_type === 'AgentNode' && isComponent(node.agent)) {
      compiled.agent = { id: node.agent.id, name: node.agent.name, componentType: node.agent.component_type };
    }
    if (packageName) {
      compiled.childAgent = { packageName };
      this.dependencies.add(packageName);
    }

    const pause = approvalStep(node, { step, path }, scope);
    if (pause) {
      this.approvalSteps.push(pause);
      if (pause.renderer && !this.declaredScreens.has(pause.renderer)) {
        this.issues.push({
          code: 'undeclared_hitl_screen',
          path: typeof cinatra.renderer === 'string' ? `${path}/metadata/cinatra/renderer` : path,
          message: `step "${node.name}" pauses with screen ${pause.renderer}, which metadata.cinatra.hitlScreens of the agent does not list`,
        });
      }
    }

    const inner: HitlScope = {
      hitlScreens: scope.hitlScreens,
      childAgent: packageName ?? scope.childAgent,
      hitlOwnedBy:
        cinatra.hitlOwnedBy === 'self' || cinatra.hitlOwnedBy === 'childAgent'
          ? cinatra.hitlOwnedBy
          : packageName
            ? 'childAgent'
            : scope.hitlOwnedBy,
    };
    const subflow =
      node.component_type === 'FlowNode'
        ? node.subflow
        : node.component_type === 'AgentNode' &&
            isComponent(node.agent) &&
            node.agent.component_type === 'Flow'
          ? node.agent
          : undefined;
    if (isComponent(subflow)) compiled.subflow = this.subflow(subflow, step, inner);
    if (node.component_type === 'ParallelFlowNode') {
      compiled.parallel = components(node.subflows).map((flow, i) =>
        this.subflow(flow, `${step}.${i + 1}`, inner),
      );
    }
    return compiled;
  }

  private subflow(flow: AgentSpecComponent, prefix: string, scope: HitlScope): CompiledFlow {
    const own = cinatraMetadata(flow).hitlScreens;
    const hitlScreens = Array.isArray(own) ? stringList(own) : scope.hitlScreens;
    return { id: flow.id, name: flow.name, steps: this.flow(flow, prefix, { ...scope, hitlScreens }) };
  }
}

function components(value: unknown): AgentSpecComponent[] {
  return Array.isArray(value) ? value.filter(isComponent) : [];
}
