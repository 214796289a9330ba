import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkAgentPackage,
  compile,
  discoverAgents,
  readPackageFiles,
  review,
  validate,
  type AgentLocation,
  type CompiledAgent,
  type CompiledPlanStep,
} from '../../src/agents/index.js';

// The agents shipped in agents/: every one must load, pass the review gate and compile, and each
// keeps the shape it exists to show (the runtime and the docs rely on these four).
const installDir = fileURLToPath(new URL('../../../agents', import.meta.url));

interface FirstPartyAgent {
  location: AgentLocation;
  content: string;
  compiled: CompiledAgent;
}
const agents = new Map<string, FirstPartyAgent>();
const agent = (slug: string) => {
  const found = agents.get(slug);
  if (!found) throw new Error(`agents/cinatra/${slug} is missing`);
  return found;
};
const types = (steps: CompiledPlanStep[]) => steps.map((step) => step.componentType);

beforeAll(async () => {
  for (const location of await discoverAgents(installDir)) {
    const content = await readFile(location.file, 'utf8');
    const compiled = compile(content, { packageJson: location.packageJson, load: { origin: location.file } });
    agents.set(location.slug, { location, content, compiled });
  }
});

describe('first-party agents', () => {
  it('are at least four, laid out as agents/cinatra/<slug>/cinatra/oas.json with a valid package.json', async () => {
    expect(agents.size).toBeGreaterThanOrEqual(4);
    for (const { location, content } of agents.values()) {
      expect(location.vendor).toBe('cinatra');
      expect(location.file.endsWith(`${location.slug}/cinatra/oas.json`)).toBe(true);
      expect(checkAgentPackage(location)).toEqual([]);
      expect(location.packageJson).toMatchObject({
        name: `@cinatra/${location.slug}`,
        license: 'Apache-2.0',
      });
      expect(JSON.parse(content)).toMatchObject({ agentspec_version: '26.1.0', component_type: 'Flow' });
    }
  });

  it('validate, and review with no blockers and no warnings', async () => {
    for (const { location, content } of agents.values()) {
      expect(validate(content).errors, location.slug).toEqual([]);
      const result = review(content, {
        mode: 'deterministic',
        siblingFiles: await readPackageFiles(location.dir, location.file),
      });
      expect([...result.blockers, ...result.warnings], location.slug).toEqual([]);
    }
  });

  it('compile with the package identity, and every pause shows a declared screen', () => {
    for (const { location, compiled } of agents.values()) {
      expect(compiled.packageName).toBe(location.packageJson?.name);
      expect(compiled.packageVersion).toBe(location.packageJson?.version);
      for (const pause of compiled.approvalPolicy.steps)
        expect(compiled.hitlScreens).toContain(pause.renderer);
    }
  });

  it('thread-summary-agent is a leaf: one LLM step between start and end, no pause', () => {
    const { compiled } = agent('thread-summary-agent');
    expect(compiled.type).toBe('node');
    expect(types(compiled.plan)).toEqual(['StartNode', 'LlmNode', 'EndNode']);
    expect(compiled.approvalPolicy.steps).toEqual([]);
    expect(compiled.inputSchema.required).toEqual(['thread']);
    expect(Object.keys(compiled.outputSchema.properties)).toEqual(['summary']);
  });

  it('reply-drafting-agent drafts, pauses at its InputMessageNode for review, then finishes the reply', () => {
    const { compiled } = agent('reply-drafting-agent');
    expect(types(compiled.plan)).toEqual(['StartNode', 'LlmNode', 'InputMessageNode', 'LlmNode', 'EndNode']);
    expect(compiled.approvalPolicy.steps).toEqual([
      expect.objectContaining({
        step: '3',
        componentType: 'InputMessageNode',
        reason: 'input_message',
        renderer: '@cinatra/reply-drafting-agent:draft-review',
        hitlOwnedBy: 'self',
      }),
    ]);
    expect(Object.keys(compiled.approvalPolicy.steps[0]!.responseSchema!.properties)).toEqual(['review']);
    expect(Object.keys(compiled.outputSchema.properties)).toEqual(['reply', 'draft']);
  });

  it('support-triage-agent branches on the category into one hand-off step per team, all reaching the end', () => {
    const { compiled } = agent('support-triage-agent');
    const route = compiled.plan.find((step) => step.componentType === 'BranchingNode')!;
    expect(route.next.map((next) => next.branch)).toEqual(['bug', 'billing', 'how_to', 'default']);
    const targets = route.next.map((next) => compiled.plan.find((step) => step.step === next.step)!);
    expect(new Set(targets.map((step) => step.nodeId)).size).toBe(4);
    const end = compiled.plan.find((step) => step.componentType === 'EndNode')!;
    for (const target of targets) {
      expect(target.componentType).toBe('LlmNode');
      expect(target.next).toEqual([{ branch: 'next', step: end.step }]);
    }
  });

  it('support-inbox-agent orchestrates the other three as sub-flows and inherits the review pause', () => {
    const { compiled, location } = agent('support-inbox-agent');
    expect(compiled.type).toBe('orchestrator');
    expect(types(compiled.plan)).toEqual([
      'StartNode',
      'FlowNode',
      'FlowNode',
      'AgentNode',
      'FlowNode',
      'EndNode',
    ]);
    const children = ['thread-summary-agent', 'support-triage-agent', 'reply-drafting-agent'];
    expect(compiled.agentDependencies).toEqual(children.map((slug) => `@cinatra/${slug}`).sort());
    expect(Object.keys(location.packageJson?.dependencies as object).sort()).toEqual(
      compiled.agentDependencies,
    );

    // Each sub-flow step runs the child's plan unchanged, renumbered under the step.
    for (const step of compiled.plan.filter((s) => s.componentType === 'FlowNode')) {
      const child = agents.get(step.childAgent!.packageName.replace('@cinatra/', ''))!;
      expect(step.subflow!.id).toBe(child.compiled.id);
      expect(step.subflow!.steps.map((s) => [s.step, s.nodeId])).toEqual(
        child.compiled.plan.map((s) => [`${step.step}.${s.step}`, s.nodeId]),
      );
    }
    expect(compiled.approvalPolicy.steps).toEqual([
      expect.objectContaining({
        step: '5.3',
        componentType: 'InputMessageNode',
        renderer: '@cinatra/reply-drafting-agent:draft-review',
        hitlOwnedBy: 'childAgent',
        childAgent: '@cinatra/reply-drafting-agent',
      }),
    ]);
  });

  it("support-inbox-agent embeds each child's flow exactly as the child ships it", () => {
    const { content } = agent('support-inbox-agent');
    const nodes = (JSON.parse(content) as { $referenced_components: Record<string, Record<string, unknown>> })
      .$referenced_components;
    const embedded = Object.values(nodes).filter((component) => component.component_type === 'FlowNode');
    expect(embedded).toHaveLength(3);
    for (const flowNode of embedded) {
      const packageName = (flowNode.metadata as { cinatra: { packageName: string } }).cinatra.packageName;
      const { agentspec_version: _version, ...shipped } = JSON.parse(
        agent(packageName.replace('@cinatra/', '')).content,
      ) as Record<string, unknown>;
      expect(
        flowNode.subflow,
        `${packageName} drifted from agents/cinatra/${packageName.slice(9)}: run npm run agents:embed`,
      ).toEqual(shipped);
    }
  });
});
