import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  inferredInputs,
  inferredOutputs,
  loadAgentSpec,
  loadAgentSpecComponents,
  placeholdersIn,
  placeholdersOf,
  serializeAgentSpec,
} from '../../src/agents/load/index.js';
import {
  AgentSpecLoadError,
  SUPPORTED_AGENTSPEC_VERSIONS,
  type AgentSpecComponent,
  type AgentSpecIssue,
  type LoadedAgentSpec,
} from '../../src/agents/types.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'agents', 'load');
const fixture = (name: string): string => readFileSync(join(fixtures, name), 'utf8');
const loadFixture = (name: string): LoadedAgentSpec => loadAgentSpec(fixture(name), { origin: name });

function refusal(load: () => unknown): AgentSpecLoadError {
  try {
    load();
  } catch (error) {
    if (error instanceof AgentSpecLoadError) return error;
    throw error;
  }
  throw new Error('The document was accepted');
}

const issuesOf = (load: () => unknown): AgentSpecIssue[] => refusal(load).issues;
const brief = (issues: AgentSpecIssue[]) => issues.map(({ code, path }) => ({ code, path }));
const component = (spec: LoadedAgentSpec, id: string): AgentSpecComponent => {
  const found = spec.components.get(id);
  if (!found) throw new Error(`No component ${id}`);
  return found;
};

describe('loadAgentSpec: documents it reads', () => {
  it('resolves every $component_ref to the one referenced component object', () => {
    const spec = loadFixture('valid/summarize-flow.json');
    const { root } = spec;
    expect(spec.version).toBe('26.1.0');
    expect(root.component_type).toBe('Flow');
    const nodes = root.nodes as AgentSpecComponent[];
    expect(nodes.map((node) => node.id)).toEqual(['start', 'fetch', 'summarize', 'end']);
    expect(root.start_node).toBe(nodes[0]);
    const edges = root.control_flow_connections as AgentSpecComponent[];
    expect(edges[0]!.from_node).toBe(nodes[0]);
    expect(edges[2]!.to_node).toBe(nodes[3]);
    // The wire-only keys are gone from the loaded components.
    expect(root).not.toHaveProperty('$referenced_components');
    expect(root).not.toHaveProperty('agentspec_version');
    expect(JSON.stringify(root)).not.toContain('$component_ref');
  });

  it('lists every component by id and knows where each was defined', () => {
    const spec = loadFixture('valid/summarize-flow.json');
    expect([...spec.components.keys()]).toEqual([
      'summarize-flow',
      'start-to-fetch',
      'fetch-to-summarize',
      'summarize-to-end',
      'url-to-fetch',
      'page-to-summarize',
      'summary-to-end',
      'start',
      'fetch',
      'summarize',
      'llm',
      'end',
    ]);
    expect(spec.pathOf(spec.root)).toBe('');
    expect(spec.pathOf(component(spec, 'fetch'))).toBe('/$referenced_components/fetch');
    expect(spec.pathOf(component(spec, 'llm'))).toBe('/$referenced_components/summarize/llm_config');
    expect(spec.pathOf(component(spec, 'url-to-fetch'))).toBe('/data_flow_connections/0');
    expect(() => spec.pathOf({ component_type: 'EndNode', id: 'elsewhere', name: 'x' })).toThrow(/not part/);
  });

  it('reads YAML to the same structure as JSON, choosing the format from the origin or the content', () => {
    const fromJson = loadFixture('valid/summarize-flow.json');
    const yaml = fixture('valid/summarize-flow.yaml');
    for (const spec of [
      loadAgentSpec(yaml, { origin: 'agents/x/oas.yaml' }),
      loadAgentSpec(yaml),
      loadAgentSpec(yaml, { format: 'yaml' }),
    ]) {
      expect(spec.version).toBe(fromJson.version);
      expect(spec.root).toEqual(fromJson.root);
    }
    expect(issuesOf(() => loadAgentSpec(yaml, { format: 'json' }))[0]!.code).toBe('invalid_json');
  });

  it('reads UTF-8 bytes (with or without a byte order mark) and parsed objects', () => {
    const text = fixture('valid/summarize-flow.json');
    const expected = loadAgentSpec(text).root;
    const bytes = new TextEncoder().encode(text);
    expect(loadAgentSpec(bytes).root).toEqual(expected);
    expect(loadAgentSpec(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes])).root).toEqual(expected);

    const parsed = JSON.parse(text) as Record<string, unknown>;
    const before = JSON.stringify(parsed);
    const spec = loadAgentSpec(parsed);
    expect(spec.root).toEqual(expected);
    expect(JSON.stringify(parsed)).toBe(before);
    expect(spec.root).not.toBe(parsed);
  });

  it.each(SUPPORTED_AGENTSPEC_VERSIONS)('reads agentspec_version %s', (version) => {
    const document = JSON.parse(fixture('valid/summarize-flow.json')) as Record<string, unknown>;
    document.agentspec_version = version;
    expect(loadAgentSpec(document).version).toBe(version);
  });

  it('resolves references at several levels, inner ones seeing outer keys', () => {
    const spec = loadFixture('valid/nested-references.yaml');
    const runInner = component(spec, 'run-inner');
    expect((spec.root.nodes as AgentSpecComponent[])[1]).toBe(runInner);
    const inner = runInner.subflow as AgentSpecComponent;
    const innerNodes = inner.nodes as AgentSpecComponent[];
    expect(inner.start_node).toBe(innerNodes[0]);
    expect(innerNodes[1]!.llm_config).toBe(component(spec, 'shared-llm'));
    expect(spec.pathOf(innerNodes[0]!)).toBe(
      '/$referenced_components/run-inner/subflow/$referenced_components/inner-start',
    );
    expect(spec.pathOf(component(spec, 'shared-llm'))).toBe('/$referenced_components/shared-llm');
    expect(inner).not.toHaveProperty('$referenced_components');
  });

  it('reads a root that is itself a reference into its $referenced_components', () => {
    const spec = loadFixture('valid/reference-root.yaml');
    expect(spec.root.component_type).toBe('LlmNode');
    expect(spec.root.id).toBe('answer');
    expect(spec.pathOf(spec.root)).toBe('/$referenced_components/answer');
    expect((spec.root.llm_config as AgentSpecComponent).model_id).toBe('model-1');
  });

  it('loads a disaggregated configuration: the main file with its components file supplied', () => {
    const registry = loadAgentSpecComponents(
      [
        '$referenced_components:',
        '  llm:',
        '    component_type: VllmConfig',
        '    id: llm-1',
        '    name: llm',
        '    model_id: m',
        '    url: http://a',
        '    agentspec_version: 25.4.2',
      ].join('\n'),
    );
    expect(registry.version).toBe('25.4.2');
    expect(registry.pathOf(registry.components.get('llm')!)).toBe('/$referenced_components/llm');
    const main = {
      component_type: 'LlmNode',
      id: 'node',
      name: 'node',
      llm_config: { $component_ref: 'llm' },
      prompt_template: 'hi',
      agentspec_version: '26.1.0',
    };
    const spec = loadAgentSpec(main, { components: registry.components });
    expect(spec.root.llm_config).toBe(registry.components.get('llm'));
    expect(spec.components.get('llm-1')).toBe(registry.components.get('llm'));
    expect(spec.pathOf(registry.components.get('llm')!)).toBe('/llm_config');
    expect(brief(issuesOf(() => loadAgentSpec(main)))).toEqual([
      { code: 'missing_reference', path: '/llm_config' },
    ]);
  });
});

describe('loadAgentSpec: documents it refuses', () => {
  const cases: Array<[fixture: string, issues: Array<{ code: string; path: string }>, message?: RegExp]> = [
    ['missing-version.yaml', [{ code: 'missing_version', path: '' }]],
    [
      'misplaced-version.yaml',
      [{ code: 'nested_version', path: '/llm_config/agentspec_version' }],
      /"23\.0\.0" contradicts the document's version 26\.1\.0/,
    ],
    [
      'misplaced-same-version.json',
      [{ code: 'nested_version', path: '/tool/agentspec_version' }],
      /top level/,
    ],
    ['missing-reference.json', [{ code: 'missing_reference', path: '/llm_config' }], /"llm"/],
    [
      'repeated-reference-key.yaml',
      [{ code: 'duplicate_reference_key', path: '/nodes/1/$referenced_components/llm' }],
      /already defined at \/\$referenced_components\/llm/,
    ],
    [
      'self-referencing-flow.yaml',
      [{ code: 'self_reference', path: '/$referenced_components/flow/nodes/1/subflow' }],
      /"flow" refers to itself: flow → again → flow/,
    ],
    ['duplicate-component-id.json', [{ code: 'duplicate_component_id', path: '/nodes/2/id' }], /\/nodes\/1/],
    [
      'plugin-component.json',
      [{ code: 'unknown_component_type', path: '/tool/component_type' }],
      /RegexPlugin/,
    ],
    [
      'duplicate-key.json',
      [
        { code: 'duplicate_key', path: '/llm_config/model_id' },
        { code: 'duplicate_key', path: '/prompt_template' },
      ],
    ],
    ['duplicate-key.yaml', [{ code: 'duplicate_key', path: '/llm_config/model_id' }], /line 9/],
    [
      'wrong-component-family.json',
      [
        { code: 'invalid_component', path: '/nodes/0' },
        { code: 'invalid_component', path: '/nodes/1' },
        { code: 'invalid_component', path: '/start_node' },
      ],
      /family Node, got a VllmConfig/,
    ],
    [
      'components-only.yaml',
      [
        { code: 'missing_version', path: '' },
        { code: 'missing_root_component', path: '' },
      ],
      /loadAgentSpecComponents/,
    ],
  ];

  it.each(cases)('%s', (name, expected, message) => {
    const error = refusal(() => loadAgentSpec(fixture(`invalid/${name}`), { origin: name }));
    expect(brief(error.issues)).toEqual(expected);
    expect(error.message.startsWith(`${name}: `)).toBe(true);
    if (message) expect(error.message).toMatch(message);
  });

  it('reports syntax errors with where they are (kept inline: no formatter may touch them)', () => {
    const truncated =
      '{\n  "component_type": "Flow",\n  "nodes": [\n    { "component_type": "StartNode" },\n';
    const [json] = issuesOf(() => loadAgentSpec(truncated));
    expect(json).toMatchObject({ code: 'invalid_json', path: '/nodes/1' });
    expect(json!.message).toMatch(/Unexpected end of input at line 5, column 1/);
    expect(issuesOf(() => loadAgentSpec('{"a": 1,}'))[0]!.message).toMatch(
      /where an object key was expected/,
    );
    expect(issuesOf(() => loadAgentSpec('{"a": 1} x'))[0]!.message).toMatch(/after the end of the document/);

    const unclosed = 'component_type: StartNode\nid: start\nmetadata:\n  tags: [a, b\nname: start\n';
    const [yaml] = issuesOf(() => loadAgentSpec(unclosed));
    expect(yaml).toMatchObject({ code: 'invalid_yaml', path: '/metadata/tags/1' });
    expect(yaml!.message).toMatch(/line 5, column 1/);
  });

  it('names the refused version, including pre-release air_version documents', () => {
    const document = JSON.parse(fixture('valid/summarize-flow.json')) as Record<string, unknown>;
    for (const version of ['26.2.0', '25.4.0', '23.0.0', 26.1]) {
      const [issue, ...others] = issuesOf(() => loadAgentSpec({ ...document, agentspec_version: version }));
      expect(others).toEqual([]);
      expect(issue).toMatchObject({ code: 'unsupported_version', path: '/agentspec_version' });
      expect(issue!.message).toContain(JSON.stringify(version));
    }
    const legacy: Record<string, unknown> = { ...document, air_version: '25.3.1' };
    delete legacy.agentspec_version;
    expect(brief(issuesOf(() => loadAgentSpec(legacy)))).toEqual([
      { code: 'unsupported_version', path: '/air_version' },
    ]);
  });

  it('reports every issue of a document at once', () => {
    const document = {
      component_type: 'Agent',
      id: 'agent',
      name: 'agent',
      llm_config: { $component_ref: 'nowhere' },
      system_prompt: 'x',
      tools: [
        { component_type: 'ServerTool', id: 'agent', name: 'same id as the agent' },
        { component_type: 'ClientTool', id: 'client', name: 'client', agentspec_version: '25.4.1' },
      ],
      agentspec_version: '26.1.2',
    };
    expect(brief(issuesOf(() => loadAgentSpec(document)))).toEqual([
      { code: 'duplicate_component_id', path: '/tools/0/id' },
      { code: 'nested_version', path: '/tools/1/agentspec_version' },
      { code: 'missing_reference', path: '/llm_config' },
    ]);
  });

  it('refuses what has no JSON form in an object document', () => {
    const document = {
      component_type: 'StartNode',
      id: 's',
      name: 's',
      metadata: { at: new Date(0), n: Number.NaN },
    };
    expect(brief(issuesOf(() => loadAgentSpec({ ...document, agentspec_version: '26.1.0' })))).toEqual([
      { code: 'invalid_value', path: '/metadata/at' },
      { code: 'invalid_value', path: '/metadata/n' },
    ]);
    expect(issuesOf(() => loadAgentSpec(new Uint8Array([0x7b, 0xff, 0x7d])))[0]!.code).toBe(
      'invalid_encoding',
    );
    expect(issuesOf(() => loadAgentSpec('[1, 2]'))[0]!.code).toBe('invalid_component');
  });
});

describe('loadAgentSpec: huge and deep documents fail fast with a clear error', () => {
  const twentyMegabytes = 20 * 1024 * 1024;

  it('refuses a 20 MB document as too_large before parsing it', () => {
    const text = `{"component_type":"StartNode","id":"s","name":"s","metadata":{"blob":"${'x'.repeat(twentyMegabytes)}"}}`;
    for (const content of [text, new TextEncoder().encode(text)]) {
      const [issue] = issuesOf(() => loadAgentSpec(content));
      expect(issue).toMatchObject({ code: 'too_large', path: '' });
      expect(issue!.message).toMatch(/limit is 2097152/);
    }
    const wide = {
      component_type: 'StartNode',
      id: 's',
      name: 's',
      metadata: { list: new Array(5000).fill(1) },
    };
    expect(issuesOf(() => loadAgentSpec(wide, { maxBytes: 1000 }))[0]!.code).toBe('too_large');
  }, 10_000);

  it('refuses 100k levels of nesting as too_deep, in JSON, YAML and objects', () => {
    const depth = 100_000;
    const jsonArrays = `{"component_type":"StartNode","id":"s","name":"s","metadata":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const jsonObjects = `{"metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const yamlFlow = `metadata: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    const yamlBlock = `metadata:\n  ${'- '.repeat(depth)}x\n`;
    let object: Record<string, unknown> = {};
    const deepObject = object;
    for (let level = 0; level < depth; level++) object = (object.a = {}) as Record<string, unknown>;
    const cyclic: Record<string, unknown> = { component_type: 'StartNode', id: 's', name: 's' };
    cyclic.metadata = cyclic;

    for (const content of [jsonArrays, jsonObjects, yamlFlow, yamlBlock, deepObject, cyclic]) {
      const [issue, ...others] = issuesOf(() => loadAgentSpec(content));
      expect(others).toEqual([]);
      expect(issue!.code).toBe('too_deep');
      expect(issue!.message).toMatch(/deeper than 200 levels/);
    }
    expect(issuesOf(() => loadAgentSpec(jsonArrays))[0]!.path).toBe(`/metadata/x${'/0'.repeat(198)}`);
  }, 10_000);

  it('measures depth with references resolved: a short document can nest deeply', () => {
    // flow-i runs flow-(i+1) through a FlowNode: three levels per hop once inlined.
    const referenced: Record<string, unknown> = {};
    const hops = 300;
    for (let hop = 0; hop < hops; hop++) {
      referenced[`flow-${hop}`] = {
        component_type: 'Flow',
        id: `flow-${hop}`,
        name: `flow ${hop}`,
        nodes:
          hop + 1 < hops
            ? [
                {
                  component_type: 'FlowNode',
                  id: `run-${hop}`,
                  name: 'run',
                  subflow: { $component_ref: `flow-${hop + 1}` },
                },
              ]
            : [],
        control_flow_connections: [],
      };
    }
    const document = {
      $component_ref: 'flow-0',
      $referenced_components: referenced,
      agentspec_version: '26.1.0',
    };
    const [issue, ...others] = issuesOf(() => loadAgentSpec(document));
    expect(others).toEqual([]);
    expect(issue).toMatchObject({ code: 'too_deep' });
    expect(issue!.message).toMatch(/With references resolved/);
    expect(loadAgentSpec(document, { maxDepth: 1000 }).components.size).toBe(2 * hops - 1);
  });

  it('walks a component shared exponentially often once, when loading and when serializing', () => {
    // Each flow's two nodes run the same next flow: 2^60 paths, 60 components.
    const referenced: Record<string, unknown> = {};
    for (let level = 0; level < 60; level++) {
      const next =
        level + 1 < 60
          ? [{ $component_ref: `run-${level + 1}` }, { $component_ref: `run-${level + 1}` }]
          : [];
      referenced[`run-${level}`] = {
        component_type: 'FlowNode',
        id: `run-${level}`,
        name: 'run',
        subflow: {
          component_type: 'Flow',
          id: `flow-${level}`,
          name: 'f',
          nodes: next,
          control_flow_connections: [],
        },
      };
    }
    const document = {
      $component_ref: 'run-0',
      $referenced_components: referenced,
      agentspec_version: '26.1.0',
    };
    const spec = loadAgentSpec(document);
    expect(spec.components.size).toBe(120);
    const text = serializeAgentSpec(spec);
    expect(
      Object.keys((JSON.parse(text) as { $referenced_components: object }).$referenced_components),
    ).toHaveLength(59);
    expect(serializeAgentSpec(loadAgentSpec(text))).toBe(text);
  });
});

describe('serializeAgentSpec', () => {
  it.each([
    'valid/summarize-flow.json',
    'valid/summarize-flow.yaml',
    'valid/nested-references.yaml',
    'valid/reference-root.yaml',
  ])('round-trips %s: load → serialize → load is equal, serialize is idempotent', (name) => {
    const spec = loadFixture(name);
    const text = serializeAgentSpec(spec);
    const again = loadAgentSpec(text);
    expect(again.version).toBe(spec.version);
    expect(again.root).toEqual(spec.root);
    expect([...again.components.keys()].sort()).toEqual([...spec.components.keys()].sort());
    expect(serializeAgentSpec(again)).toBe(text);
  });

  it('writes shared components once under $referenced_components, in order of first use', () => {
    const text = serializeAgentSpec(loadFixture('valid/summarize-flow.yaml'));
    const written = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(written).slice(-2)).toEqual(['$referenced_components', 'agentspec_version']);
    const referenced = written.$referenced_components as Record<string, Record<string, unknown>>;
    expect(Object.keys(referenced)).toEqual(['start', 'fetch', 'summarize', 'end']);
    expect(written.start_node).toEqual({ $component_ref: 'start' });
    // Used once: inlined where it is used.
    expect(referenced.summarize!.llm_config).toMatchObject({ component_type: 'VllmConfig', id: 'llm' });
    expect((written.control_flow_connections as unknown[])[0]).toMatchObject({
      id: 'start-to-fetch',
      from_node: { $component_ref: 'start' },
    });
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "component_type": "Flow",');
  });

  it('keys shared components by id, and keeps components nothing references', () => {
    const spec = loadAgentSpec({
      component_type: 'Agent',
      id: 'agent',
      name: 'agent',
      llm_config: { $component_ref: 'main-llm' },
      system_prompt: 'x',
      transforms: [
        {
          component_type: 'MessageSummarizationTransform',
          id: 'summarize',
          name: 'summarize',
          llm: { $component_ref: 'main-llm' },
        },
      ],
      $referenced_components: {
        'main-llm': { component_type: 'OpenAiConfig', id: 'llm-7', name: 'llm', model_id: 'gpt' },
        spare: { component_type: 'ServerTool', id: 'spare-tool', name: 'spare' },
      },
      agentspec_version: '26.1.2',
    });
    const written = JSON.parse(serializeAgentSpec(spec)) as Record<string, unknown>;
    expect(written.llm_config).toEqual({ $component_ref: 'llm-7' });
    expect(Object.keys(written.$referenced_components as object)).toEqual(['llm-7', 'spare-tool']);
    expect(loadAgentSpec(written).components.get('spare-tool')).toEqual(spec.components.get('spare-tool'));
  });
});

describe('placeholders and inferred inputs', () => {
  it('finds names exactly as the spec regex {{\\s*(\\w+)\\s*}} does', () => {
    expect(placeholdersOf('{{ a }} and {{b}} then {{  a  }}')).toEqual(['a', 'b']);
    // Filters, dotted paths, expressions: invisible to the regex.
    expect(placeholdersOf('{{ seedUrls | tojson }} {{ obj.field }} {{ x ? a : b }} {{ a-b }}')).toEqual([]);
    // The Jinja-comment sentinel makes a filtered name visible.
    expect(placeholdersOf('{# hint: {{ seedUrls }} #}Extract {{ seedUrls | tojson }}')).toEqual(['seedUrls']);
    // Python's \w and \s are Unicode-aware, and differ from JavaScript's at the edges.
    expect(placeholdersOf('{{ größe }} {{ x²}} {{\u00a0nbsp\u00a0}} {{\x1cfs}}')).toEqual([
      'größe',
      'x²',
      'nbsp',
      'fs',
    ]);
    expect(placeholdersOf('{{\ufeffbom}} {{ with space }} {x} {{}}')).toEqual([]);
    expect(placeholdersOf('{{{inner}}}')).toEqual(['inner']);
  });

  it('searches structured values: strings, object keys and values, lists', () => {
    expect(placeholdersIn({ '{{k}}': ['{{v}}', { x: '{{w}}', n: 3 }], other: '{{ k }}' })).toEqual([
      'k',
      'v',
      'w',
    ]);
    expect(placeholdersIn(null)).toEqual([]);
  });

  it('infers inputs of placeholder-driven components and leaves others alone', () => {
    const spec = loadFixture('valid/nested-references.yaml');
    const flow = loadFixture('valid/summarize-flow.json');
    expect(inferredInputs(component(flow, 'fetch'))).toEqual([{ title: 'url', type: 'string' }]);
    expect(inferredInputs(component(flow, 'summarize'))).toEqual([{ title: 'page', type: 'string' }]);
    expect(inferredInputs(component(spec, 'inner-llm'))?.map((input) => input.title)).toEqual([
      'topic',
      'audience',
    ]);
    expect(inferredInputs(component(flow, 'start'))).toBeUndefined();

    const agent = { component_type: 'Agent', id: 'a', name: 'a', system_prompt: 'Expert in {{domain}}' };
    expect(inferredInputs(agent)).toEqual([{ title: 'domain', type: 'string' }]);
    const api = {
      component_type: 'RemoteTool',
      id: 't',
      name: 't',
      url: 'https://x/{{ path }}',
      http_method: '{{method}}',
      data: { '{{field}}': '{{ value }}' },
      headers: { Authorization: 'Bearer {{token}}' },
      sensitive_headers: { 'X-Key': '{{ secret }}' },
    };
    expect(inferredInputs(api)?.map((input) => input.title)).toEqual([
      'path',
      'method',
      'field',
      'value',
      'token',
    ]);
    expect(inferredInputs({ component_type: 'InputMessageNode', id: 'i', name: 'i' })).toEqual([]);
  });

  it('gives the default outputs of nodes that declare none', () => {
    const node = (component_type: string): AgentSpecComponent => ({ component_type, id: 'n', name: 'n' });
    expect(inferredOutputs(node('LlmNode'))).toEqual([{ title: 'generated_text', type: 'string' }]);
    expect(inferredOutputs(node('ApiNode'))).toEqual([{ title: 'response' }]);
    expect(inferredOutputs(node('InputMessageNode'))).toEqual([{ title: 'user_input', type: 'string' }]);
    expect(inferredOutputs(node('OutputMessageNode'))).toEqual([]);
    expect(inferredOutputs(node('Flow'))).toBeUndefined();
  });
});
