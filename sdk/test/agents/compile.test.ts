import { describe, expect, it } from 'vitest';
import { AgentCompileError, compile, type CompiledPlanStep } from '../../src/agents/index.js';

// Small Agent Spec documents built the way authors write them: every node in
// `$referenced_components`, referenced from `nodes`, `start_node` and the edges.
type Component = Record<string, unknown> & { id: string; component_type: string };
type Property = { title: string; type: string; default?: unknown; description?: string };

const ref = (id: string) => ({ $component_ref: id });
const text = (title: string, extra: Partial<Property> = {}): Property => ({
  title,
  type: 'string',
  ...extra,
});
const LLM: Component = { component_type: 'OpenAiConfig', id: 'llm', name: 'llm', model_id: 'gpt-5.4' };

function node(component_type: string, id: string, fields: Record<string, unknown> = {}): Component {
  return { component_type, id, name: id, metadata: {}, inputs: [], outputs: [], ...fields };
}
const start = (id: string, inputs: Property[], cinatra?: Record<string, unknown>) =>
  node('StartNode', id, { inputs, outputs: inputs, ...(cinatra ? { metadata: { cinatra } } : {}) });
const end = (id: string, outputs: Property[]) => node('EndNode', id, { inputs: outputs, outputs });
const llmStep = (id: string, inputs: Property[], outputs: Property[]) =>
  node('LlmNode', id, {
    inputs,
    outputs,
    llm_config: ref('llm'),
    prompt_template: `Work on ${inputs.map((input) => `{{${input.title}}}`).join(' and ')}.`,
  });

interface FlowSpec {
  id: string;
  cinatra?: Record<string, unknown>;
  inputs?: Property[];
  outputs?: Property[];
  nodes: Component[];
  control: Array<[from: string, to: string, branch?: string]>;
  data?: Array<[from: string, output: string, to: string, input?: string]>;
  components?: Component[];
}

function flow(spec: FlowSpec): Component {
  const startNode = spec.nodes.find((n) => n.component_type === 'StartNode')!;
  return {
    component_type: 'Flow',
    id: spec.id,
    name: spec.id,
    metadata: spec.cinatra ? { cinatra: spec.cinatra } : {},
    ...(spec.inputs ? { inputs: spec.inputs } : {}),
    ...(spec.outputs ? { outputs: spec.outputs } : {}),
    start_node: ref(startNode.id),
    nodes: spec.nodes.map((n) => ref(n.id)),
    control_flow_connections: spec.control.map(([from, to, branch], i) => ({
      component_type: 'ControlFlowEdge',
      id: `${spec.id}.control.${i}`,
      name: `${from} to ${to}`,
      from_node: ref(from),
      from_branch: branch ?? null,
      to_node: ref(to),
    })),
    data_flow_connections: (spec.data ?? []).map(([from, output, to, input], i) => ({
      component_type: 'DataFlowEdge',
      id: `${spec.id}.data.${i}`,
      name: `${from}.${output} to ${to}`,
      source_node: ref(from),
      source_output: output,
      destination_node: ref(to),
      destination_input: input ?? output,
    })),
    $referenced_components: Object.fromEntries(
      [...spec.nodes, ...(spec.components ?? [])].map((c) => [c.id, c]),
    ),
  };
}

/** The flow without its own LLM config, for nesting under a flow that defines the one they share. */
function sharingLlm(inner: Component): Component {
  const { llm: _llm, ...rest } = inner.$referenced_components as Record<string, Component>;
  return { ...inner, $referenced_components: rest };
}

const doc = (root: Component) => JSON.stringify({ ...root, agentspec_version: '26.1.0' });
const steps = (plan: CompiledPlanStep[]) => plan.map((s) => `${s.step} ${s.nodeId}`);

/** start → write → end: one LLM step. */
const leaf = (cinatra: Record<string, unknown> = { type: 'node', hitlScreens: [] }) =>
  flow({
    id: 'leaf',
    cinatra,
    inputs: [text('topic'), text('tone', { default: 'plain' })],
    outputs: [text('text')],
    nodes: [
      start('leaf.start', [text('topic'), text('tone', { default: 'plain' })]),
      llmStep('leaf.write', [text('topic'), text('tone')], [text('text')]),
      end('leaf.end', [text('text')]),
    ],
    control: [
      ['leaf.start', 'leaf.write'],
      ['leaf.write', 'leaf.end'],
    ],
    data: [
      ['leaf.start', 'topic', 'leaf.write'],
      ['leaf.start', 'tone', 'leaf.write'],
      ['leaf.write', 'text', 'leaf.end'],
    ],
    components: [LLM],
  });

/** start → draft → review (InputMessageNode) → end. */
const drafting = (reviewCinatra: Record<string, unknown>, hitlScreens: string[]) =>
  flow({
    id: 'drafting',
    cinatra: { type: 'node', hitlScreens },
    inputs: [text('topic')],
    outputs: [text('draft'), text('verdict')],
    nodes: [
      start('drafting.start', [text('topic')]),
      llmStep('drafting.draft', [text('topic')], [text('draft')]),
      node('InputMessageNode', 'drafting.review', {
        metadata: { cinatra: reviewCinatra },
        inputs: [text('draft')],
        outputs: [text('verdict', { description: 'approve, or what to change' })],
        message: 'Review:\n{{draft}}',
      }),
      end('drafting.end', [text('draft'), text('verdict')]),
    ],
    control: [
      ['drafting.start', 'drafting.draft'],
      ['drafting.draft', 'drafting.review'],
      ['drafting.review', 'drafting.end'],
    ],
    data: [
      ['drafting.start', 'topic', 'drafting.draft'],
      ['drafting.draft', 'draft', 'drafting.review'],
      ['drafting.draft', 'draft', 'drafting.end'],
      ['drafting.review', 'verdict', 'drafting.end'],
    ],
    components: [LLM],
  });

describe('compile: schemas', () => {
  it('derives the input and output JSON Schemas from the flow, defaults making inputs optional', () => {
    const compiled = compile(doc(leaf()));
    expect(compiled.inputSchema).toEqual({
      type: 'object',
      properties: { topic: text('topic'), tone: text('tone', { default: 'plain' }) },
      required: ['topic'],
      additionalProperties: false,
    });
    expect(compiled.outputSchema).toEqual({
      type: 'object',
      properties: { text: text('text') },
      required: ['text'],
      additionalProperties: false,
    });
  });

  it("follows the StartNode's metadata.cinatra required and hidden lists", () => {
    const root = leaf();
    const refs = root.$referenced_components as Record<string, Component>;
    refs['leaf.start']!.metadata = { cinatra: { required: ['topic', 'tone'], hidden: [] } };
    expect(compile(doc(root)).inputSchema.required).toEqual(['topic', 'tone']);

    refs['leaf.start']!.metadata = { cinatra: { required: ['topic'], hidden: ['tone'] } };
    const hidden = compile(doc(root)).inputSchema;
    expect(Object.keys(hidden.properties)).toEqual(['topic']);
    expect(hidden.required).toEqual(['topic']);
  });

  it('takes package name and version from package.json, type and llm preference from metadata.cinatra', () => {
    const compiled = compile(
      doc(leaf({ type: 'node', llm: { provider: 'anthropic', model: 'claude-sonnet-4-6' } })),
      {
        packageJson: { name: '@acme/leaf', version: '1.2.3', license: 'MIT' },
      },
    );
    expect(compiled).toMatchObject({
      agentSpecVersion: '26.1.0',
      id: 'leaf',
      type: 'node',
      packageName: '@acme/leaf',
      packageVersion: '1.2.3',
      llm: { provider: 'anthropic', model: 'claude-sonnet-4-6' },
      hitlScreens: [],
      agentDependencies: [],
    });
    expect(compile(doc(leaf())).packageName).toBeNull();
  });
});

describe('compile: plan', () => {
  it('orders steps breadth-first from the start node, whatever the order of `nodes`', () => {
    const root = leaf();
    const compiled = compile(doc(root));
    expect(steps(compiled.plan)).toEqual(['1 leaf.start', '2 leaf.write', '3 leaf.end']);
    expect(compiled.plan[0]).toMatchObject({
      componentType: 'StartNode',
      path: '/$referenced_components/leaf.start',
      next: [{ branch: 'next', step: '2' }],
    });
    expect(compiled.plan[2]).toMatchObject({ componentType: 'EndNode', next: [], exitBranch: 'next' });

    const reordered = { ...root, nodes: [...(root.nodes as unknown[])].reverse() };
    expect(compile(doc(reordered)).plan).toEqual(compiled.plan);
  });

  it('gives every branch of a BranchingNode its step, and a loop back to an earlier step keeps its number', () => {
    const verdict = text('verdict');
    const root = flow({
      id: 'loop',
      cinatra: { type: 'node', hitlScreens: [] },
      inputs: [text('topic')],
      outputs: [text('text')],
      nodes: [
        start('loop.start', [text('topic')]),
        llmStep('loop.write', [text('topic')], [text('text')]),
        llmStep('loop.check', [text('text')], [verdict]),
        node('BranchingNode', 'loop.route', {
          inputs: [verdict],
          branches: ['default', 'yes', 'no'],
          mapping: { yes: 'yes', no: 'no' },
        }),
        end('loop.end', [text('text')]),
      ],
      control: [
        ['loop.start', 'loop.write'],
        ['loop.write', 'loop.check'],
        ['loop.check', 'loop.route'],
        ['loop.route', 'loop.end', 'yes'],
        ['loop.route', 'loop.write', 'no'],
        ['loop.route', 'loop.end', 'default'],
      ],
      data: [
        ['loop.start', 'topic', 'loop.write'],
        ['loop.write', 'text', 'loop.check'],
        ['loop.check', 'verdict', 'loop.route'],
        ['loop.write', 'text', 'loop.end'],
      ],
      components: [LLM],
    });
    const { plan } = compile(doc(root));
    expect(steps(plan)).toEqual([
      '1 loop.start',
      '2 loop.write',
      '3 loop.check',
      '4 loop.route',
      '5 loop.end',
    ]);
    expect(plan[3]!.next).toEqual([
      { branch: 'yes', step: '5' },
      { branch: 'no', step: '2' },
      { branch: 'default', step: '5' },
    ]);
  });

  it('nests sub-flows in their step, numbered under it, and lists the sub-agent packages', () => {
    const child = sharingLlm(drafting({ renderer: '@acme/drafting:review' }, ['@acme/drafting:review']));
    const summary = sharingLlm(leaf());
    const root = flow({
      id: 'orchestrator',
      cinatra: { type: 'orchestrator', hitlScreens: ['@acme/drafting:review'] },
      inputs: [text('topic')],
      outputs: [text('draft'), text('text')],
      nodes: [
        start('orchestrator.start', [text('topic')]),
        node('FlowNode', 'orchestrator.research', {
          metadata: { cinatra: { packageName: '@acme/leaf' } },
          inputs: [text('topic'), text('tone', { default: 'plain' })],
          outputs: [text('text')],
          subflow: summary,
        }),
        node('FlowNode', 'orchestrator.draft', {
          metadata: { cinatra: { packageName: '@acme/drafting' } },
          inputs: [text('topic')],
          outputs: [text('draft'), text('verdict')],
          subflow: child,
        }),
        end('orchestrator.end', [text('draft'), text('text')]),
      ],
      control: [
        ['orchestrator.start', 'orchestrator.research'],
        ['orchestrator.research', 'orchestrator.draft'],
        ['orchestrator.draft', 'orchestrator.end'],
      ],
      data: [
        ['orchestrator.start', 'topic', 'orchestrator.research'],
        ['orchestrator.start', 'topic', 'orchestrator.draft'],
        ['orchestrator.research', 'text', 'orchestrator.end'],
        ['orchestrator.draft', 'draft', 'orchestrator.end'],
      ],
      components: [LLM],
    });
    const compiled = compile(doc(root));
    expect(compiled.type).toBe('orchestrator');
    expect(steps(compiled.plan)).toEqual([
      '1 orchestrator.start',
      '2 orchestrator.research',
      '3 orchestrator.draft',
      '4 orchestrator.end',
    ]);
    expect(compiled.plan[1]!.childAgent).toEqual({ packageName: '@acme/leaf' });
    expect(steps(compiled.plan[1]!.subflow!.steps)).toEqual([
      '2.1 leaf.start',
      '2.2 leaf.write',
      '2.3 leaf.end',
    ]);
    expect(steps(compiled.plan[2]!.subflow!.steps)).toEqual([
      '3.1 drafting.start',
      '3.2 drafting.draft',
      '3.3 drafting.review',
      '3.4 drafting.end',
    ]);
    expect(compiled.agentDependencies).toEqual(['@acme/drafting', '@acme/leaf']);
    // The pause inside the sub-agent is the orchestrator's too, handled by the sub-agent's screen.
    expect(compiled.approvalPolicy.steps).toEqual([
      expect.objectContaining({
        step: '3.3',
        nodeId: 'drafting.review',
        reason: 'input_message',
        renderer: '@acme/drafting:review',
        hitlOwnedBy: 'childAgent',
        childAgent: '@acme/drafting',
      }),
    ]);
  });

  it('compiles each flow of a ParallelFlowNode as its own numbered branch', () => {
    const branch = (id: string) =>
      flow({
        id,
        outputs: [text(`${id}_out`)],
        nodes: [
          start(`${id}.start`, [text('topic')]),
          llmStep(`${id}.work`, [text('topic')], [text(`${id}_out`)]),
          end(`${id}.end`, [text(`${id}_out`)]),
        ],
        control: [
          [`${id}.start`, `${id}.work`],
          [`${id}.work`, `${id}.end`],
        ],
        data: [
          [`${id}.start`, 'topic', `${id}.work`],
          [`${id}.work`, `${id}_out`, `${id}.end`],
        ],
      });
    const root = flow({
      id: 'fanout',
      cinatra: { type: 'node', hitlScreens: [] },
      inputs: [text('topic')],
      outputs: [text('a_out'), text('b_out')],
      nodes: [
        start('fanout.start', [text('topic')]),
        node('ParallelFlowNode', 'fanout.both', {
          inputs: [text('topic')],
          outputs: [text('a_out'), text('b_out')],
          subflows: [branch('a'), branch('b')],
        }),
        end('fanout.end', [text('a_out'), text('b_out')]),
      ],
      control: [
        ['fanout.start', 'fanout.both'],
        ['fanout.both', 'fanout.end'],
      ],
      data: [
        ['fanout.start', 'topic', 'fanout.both'],
        ['fanout.both', 'a_out', 'fanout.end'],
        ['fanout.both', 'b_out', 'fanout.end'],
      ],
      components: [LLM],
    });
    const parallel = compile(doc(root)).plan[1]!.parallel!;
    expect(parallel.map((f) => [f.id, steps(f.steps)])).toEqual([
      ['a', ['2.1.1 a.start', '2.1.2 a.work', '2.1.3 a.end']],
      ['b', ['2.2.1 b.start', '2.2.2 b.work', '2.2.3 b.end']],
    ]);
  });

  it('gives byte-identical output for the same document', () => {
    const content = doc(drafting({ renderer: '@acme/drafting:review' }, ['@acme/drafting:review']));
    expect(JSON.stringify(compile(content))).toBe(JSON.stringify(compile(content)));
  });
});

describe('compile: approval policy', () => {
  it('pauses at an InputMessageNode with its screen and the schema of the answer', () => {
    const compiled = compile(
      doc(drafting({ renderer: '@acme/drafting:review', riskClass: 'read_only' }, ['@acme/drafting:review'])),
    );
    expect(compiled.hitlScreens).toEqual(['@acme/drafting:review']);
    expect(compiled.approvalPolicy.steps).toEqual([
      {
        step: '3',
        nodeId: 'drafting.review',
        name: 'drafting.review',
        componentType: 'InputMessageNode',
        path: '/$referenced_components/drafting.review',
        reason: 'input_message',
        renderer: '@acme/drafting:review',
        hitlOwnedBy: 'self',
        riskClass: 'read_only',
        sideEffects: [],
        responseSchema: {
          type: 'object',
          properties: { verdict: text('verdict', { description: 'approve, or what to change' }) },
          required: ['verdict'],
          additionalProperties: false,
        },
        childAgent: null,
      },
    ]);
  });

  it("uses the agent's only screen for a message step that names none, and no screen when it declares several", () => {
    const only = compile(doc(drafting({}, ['@acme/drafting:review'])));
    expect(only.approvalPolicy.steps[0]!.renderer).toBe('@acme/drafting:review');
    const several = compile(doc(drafting({}, ['@acme/drafting:review', '@acme/drafting:other'])));
    expect(several.approvalPolicy.steps[0]!.renderer).toBeNull();
  });

  it('pauses before a step whose metadata asks for approval, with its risk class and side effects', () => {
    const root = leaf();
    const refs = root.$referenced_components as Record<string, Component>;
    refs['leaf.write']!.metadata = {
      cinatra: { requiresApproval: true, riskClass: 'send_external_message', sideEffects: ['sends email'] },
    };
    expect(compile(doc(root)).approvalPolicy.steps).toEqual([
      expect.objectContaining({
        step: '2',
        reason: 'requires_approval',
        renderer: null,
        riskClass: 'send_external_message',
        sideEffects: ['sends email'],
        responseSchema: null,
      }),
    ]);
  });

  it('counts an AgentNode whose agent may ask the user (human_in_the_loop, the default) as a pause', () => {
    const agentNode = (humanInTheLoop: boolean | undefined) =>
      flow({
        id: 'chat',
        cinatra: { type: 'node', hitlScreens: [] },
        inputs: [text('topic')],
        outputs: [text('answer')],
        nodes: [
          start('chat.start', [text('topic')]),
          node('AgentNode', 'chat.agent', {
            inputs: [text('topic')],
            outputs: [text('answer')],
            agent: {
              component_type: 'Agent',
              id: 'chat.assistant',
              name: 'assistant',
              inputs: [text('topic')],
              outputs: [text('answer')],
              llm_config: ref('llm'),
              system_prompt: 'Help with {{topic}}.',
              ...(humanInTheLoop === undefined ? {} : { human_in_the_loop: humanInTheLoop }),
            },
          }),
          end('chat.end', [text('answer')]),
        ],
        control: [
          ['chat.start', 'chat.agent'],
          ['chat.agent', 'chat.end'],
        ],
        data: [
          ['chat.start', 'topic', 'chat.agent'],
          ['chat.agent', 'answer', 'chat.end'],
        ],
        components: [LLM],
      });
    const asks = compile(doc(agentNode(undefined)));
    expect(asks.plan[1]!.agent).toEqual({ id: 'chat.assistant', name: 'assistant', componentType: 'Agent' });
    expect(asks.approvalPolicy.steps.map((s) => [s.step, s.reason])).toEqual([['2', 'agent_conversation']]);
    expect(compile(doc(agentNode(false))).approvalPolicy.steps).toEqual([]);
  });
});

describe('compile: refusals', () => {
  const refusal = (content: string) => {
    try {
      compile(content);
    } catch (error) {
      expect(error).toBeInstanceOf(AgentCompileError);
      return (error as AgentCompileError).issues;
    }
    throw new Error('compile accepted the document');
  };

  it('refuses a document that does not validate, with the validation issues', () => {
    const root = leaf();
    root.control_flow_connections = (root.control_flow_connections as unknown[]).slice(0, 1);
    expect(refusal(doc(root)).map((issue) => issue.code)).toContain('unreachable_node');
    expect(refusal('{ not json').length).toBeGreaterThan(0);
    expect(refusal(JSON.stringify({ ...leaf(), agentspec_version: '1.0.0' })).map((i) => i.code)).toContain(
      'unsupported_version',
    );
  });

  it('refuses a pause whose screen the agent does not declare in hitlScreens', () => {
    const issues = refusal(doc(drafting({ renderer: '@acme/drafting:typo' }, ['@acme/drafting:review'])));
    expect(issues).toEqual([
      {
        code: 'undeclared_hitl_screen',
        path: '/$referenced_components/drafting.review/metadata/cinatra/renderer',
        message: expect.stringContaining('@acme/drafting:typo'),
      },
    ]);
  });
});
