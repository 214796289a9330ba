import { loadAgentSpec, type LoadAgentSpecOptions } from '../load/loadAgentSpec.js';
import { validate } from '../validate/validate.js';
import type { AgentSpecComponent, AgentSpecProperty } from '../types.js';
import type { AgentPackageJson } from '../layout/probeAgent.js';
import { AgentCompileError } from './AgentCompileError.js';
import type { CompiledAgent, ObjectJsonSchema } from './CompiledAgent.js';
import { cinatraMetadata, isComponent, isRecord, stringList } from './cinatraMetadata.js';
import { compilePlan } from './compilePlan.js';
import { propertiesSchema } from './propertiesSchema.js';

export interface CompileOptions {
  /** The agent's sibling package.json: gives the compiled agent its package name and version. */
  packageJson?: AgentPackageJson | null;
  /** Passed to the loader (format, origin, size and depth limits, supplied components). */
  load?: LoadAgentSpecOptions;
}

/**
 * Derives what authors never write by hand from an agent's Agent Spec Flow: the input and
 * output JSON Schemas, the approval policy (the steps that pause for a person) and the plan.
 * Refuses, with an {@link AgentCompileError} carrying every issue, a document that does not
 * validate or whose pauses name screens the agent does not declare. Deterministic: the same
 * document (and package.json) always gives the same value.
 */
export function compile(content: string | Uint8Array | object, options: CompileOptions = {}): CompiledAgent {
  const validation = validate(content, options.load);
  if (!validation.valid) throw new AgentCompileError(validation.errors);
  const spec = loadAgentSpec(content, options.load);
  const root = spec.root; // a Flow: validation refuses any other root (`root_not_flow`)
  const { plan, approvalSteps, agentDependencies, issues } = compilePlan(spec);
  if (issues.length > 0) throw new AgentCompileError(issues);

  const cinatra = cinatraMetadata(root);
  const packageJson = options.packageJson ?? null;
  return {
    agentSpecVersion: spec.version,
    id: root.id,
    name: root.name,
    description: typeof root.description === 'string' ? root.description : null,
    type: typeof cinatra.type === 'string' ? cinatra.type : 'node',
    packageName: typeof packageJson?.name === 'string' ? packageJson.name : null,
    packageVersion: typeof packageJson?.version === 'string' ? packageJson.version : null,
    inputSchema: inputSchema(root),
    outputSchema: propertiesSchema(root.outputs ?? boundary(root, 'EndNode')),
    approvalPolicy: { steps: approvalSteps },
    plan,
    hitlScreens: stringList(cinatra.hitlScreens),
    llm: isRecord(cinatra.llm) ? structuredClone(cinatra.llm) : null,
    agentDependencies,
  };
}

/**
 * The Flow's inputs as callers see them. The StartNode's `metadata.cinatra` may list the inputs
 * callers must give (`required`) and those they never see (`hidden`: filled by the runtime or
 * left at their default); without a `required` list, the inputs without a default are required.
 */
function inputSchema(root: AgentSpecComponent): ObjectJsonSchema {
  const start = isComponent(root.start_node) ? cinatraMetadata(root.start_node) : {};
  const hidden = new Set(stringList(start.hidden));
  const inputs = (root.inputs ?? boundary(root, 'StartNode')).filter((input) => !hidden.has(input.title));
  return propertiesSchema(inputs, Array.isArray(start.required) ? stringList(start.required) : undefined);
}

/**
 * A Flow that does not declare its inputs (outputs) has those of its StartNode (the union of
 * its EndNodes' outputs, first declaration of a title kept), as Agent Spec infers them.
 */
function boundary(flow: AgentSpecComponent, type: 'StartNode' | 'EndNode'): AgentSpecProperty[] {
  const byTitle = new Map<string, AgentSpecProperty>();
  const nodes = Array.isArray(flow.nodes) ? flow.nodes.filter(isComponent) : [];
  for (const node of nodes.filter((n) => n.component_type === type)) {
    for (const property of (type === 'StartNode' ? node.inputs : node.outputs) ?? []) {
      if (!byTitle.has(property.title)) byTitle.set(property.title, property);
    }
  }
  return [...byTitle.values()];
}
