import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AGENTSPEC_LOAD_ISSUE_CODES } from '../../src/agents/load/index.js';
import type { AgentSpecIssue } from '../../src/agents/types.js';
import {
  AGENT_SPEC_VALIDATION_CODES,
  isTypeCompatible,
  validate,
  type AgentSpecValidationCode,
} from '../../src/agents/validate/index.js';

const FIXTURES = new URL('../fixtures/agents/validate/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
// Fixtures are edited freely below, so they stay as loosely typed as JSON.parse makes them.
const parsed = (name: string) => JSON.parse(fixture(name));
type Fixture = ReturnType<typeof parsed>;
const where = (issues: AgentSpecIssue[]) => issues.map(({ code, path }) => `${code} ${path}`);

/** Every error each failing fixture must give, in the order `validate` reports them. */
const FAILING: Record<AgentSpecValidationCode, string[]> = {
  root_not_flow: ['root_not_flow /component_type'],
  missing_start_node: ['missing_start_node /nodes'],
  multiple_start_nodes: ['multiple_start_nodes /nodes/3', 'unreachable_node /nodes/3'],
  invalid_start_node: ['invalid_start_node /start_node'],
  missing_end_node: ['missing_end_node /nodes'],
  multiple_end_nodes: ['multiple_end_nodes /nodes/3'],
  duplicate_node: ['duplicate_node /nodes/3'],
  edge_unknown_node: ['edge_unknown_node /data_flow_connections/3/destination_node'],
  edge_unknown_branch: ['edge_unknown_branch /control_flow_connections/1/from_branch'],
  duplicate_control_edge: ['duplicate_control_edge /control_flow_connections/2'],
  edge_unknown_port: ['edge_unknown_port /data_flow_connections/0/source_output'],
  unreachable_node: ['unreachable_node /nodes/1'],
  incompatible_data_types: ['incompatible_data_types /data_flow_connections/2'],
  api_placeholders_mismatch: ['api_placeholders_mismatch /$referenced_components/ask/inputs/0'],
  ternary_in_placeholder: ['ternary_in_placeholder /$referenced_components/ask/data/user'],
  integer_default_for_number: [
    'integer_default_for_number /$referenced_components/start/inputs/2/default',
    'integer_default_for_number /$referenced_components/start/outputs/2/default',
    'integer_default_for_number /inputs/2/default',
  ],
  end_output_unconnected: ['end_output_unconnected /$referenced_components/end/outputs/1'],
  run_id_injection: ['run_id_injection /data_flow_connections/1/source_output'],
};

describe('validate: one failing and one passing fixture per code', () => {
  it('has both fixtures for every code', () => {
    for (const code of Object.keys(AGENT_SPEC_VALIDATION_CODES)) {
      expect(existsSync(new URL(`${code}/fail.json`, FIXTURES)), code).toBe(true);
    }
    expect(Object.keys(FAILING).sort()).toEqual(Object.keys(AGENT_SPEC_VALIDATION_CODES).sort());
  });

  describe.each(Object.keys(FAILING) as AgentSpecValidationCode[])('%s', (code) => {
    it('reports the failing fixture where the problem is written, and nothing else', () => {
      const result = validate(fixture(`${code}/fail.json`));
      expect(result.valid).toBe(false);
      expect(where(result.errors)).toEqual(FAILING[code]);
      for (const error of result.errors) expect(error.message.length).toBeGreaterThan(20);
    });

    it('accepts the passing fixture', () => {
      const name = existsSync(new URL(`${code}/pass.json`, FIXTURES)) ? `${code}/pass.json` : 'valid.json';
      expect(validate(fixture(name))).toEqual({ valid: true, errors: [] });
    });
  });
});

describe('validate: nested flows', () => {
  it('checks a FlowNode subflow and points into it; the run id must be handed down', () => {
    expect(validate(fixture('nested-flow/pass.json'))).toEqual({ valid: true, errors: [] });
    expect(where(validate(fixture('nested-flow/fail.json')).errors)).toEqual([
      'run_id_injection /$referenced_components/inner',
      'ternary_in_placeholder /$referenced_components/inner/subflow/$referenced_components/inner-ask/data/user',
      'unreachable_node /$referenced_components/inner/subflow/nodes/3',
    ]);
  });

  it('checks a MapNode subflow, with its iterated_/collected_ ports', () => {
    expect(validate(fixture('nested-map/pass.json'))).toEqual({ valid: true, errors: [] });
    expect(where(validate(fixture('nested-map/fail.json')).errors)).toEqual([
      'end_output_unconnected /$referenced_components/each/subflow/$referenced_components/each-end/outputs/0',
    ]);
  });

  it('a MapNode port that its subflow does not have is an unknown port', () => {
    const doc = parsed('nested-map/pass.json');
    delete doc.$referenced_components.each.inputs;
    delete doc.$referenced_components.each.outputs;
    expect(validate(doc).valid).toBe(true);
    doc.data_flow_connections[0].destination_input = 'iterated_messages';
    expect(where(validate(doc).errors)).toEqual([
      'edge_unknown_port /data_flow_connections/0/destination_input',
    ]);
  });
});

describe('validate: the run-id injection pattern', () => {
  const cases: Array<[string, (doc: Fixture) => void, string]> = [
    [
      'the root StartNode asks for agent_run_id, which the runtime never injects',
      (doc) =>
        doc.$referenced_components.start.inputs.push({ title: 'agent_run_id', type: 'string', default: '' }),
      '/$referenced_components/start/inputs/2',
    ],
    [
      'the root cinatra_run_id has no "" default',
      (doc) => delete doc.$referenced_components.start.inputs[1].default,
      '/$referenced_components/start/inputs/1',
    ],
    ['the root flow does not declare cinatra_run_id', (doc) => doc.inputs.pop(), '/inputs'],
    [
      'the ApiNode gives agent_run_id a default',
      (doc) => (doc.$referenced_components.ask.inputs[1].default = ''),
      '/$referenced_components/ask/inputs/1/default',
    ],
    [
      'no data edge feeds agent_run_id',
      (doc) => doc.data_flow_connections.splice(1, 1),
      '/$referenced_components/ask/inputs/1',
    ],
    [
      'an LLM bridge call does not send agent_run_id',
      (doc) => {
        const ask = doc.$referenced_components.ask;
        delete ask.data.agent_run_id;
        ask.inputs.pop();
        doc.data_flow_connections.splice(1, 1);
      },
      '/$referenced_components/ask/data',
    ],
  ];

  it.each(cases)('%s', (_name, mutate, path) => {
    const doc = parsed('valid.json');
    mutate(doc);
    const errors = validate(doc).errors;
    expect(where(errors)).toContain(`run_id_injection ${path}`);
    expect(
      errors.every((error) => error.code === 'run_id_injection' || error.code === 'edge_unknown_port'),
    ).toBe(true);
  });
});

describe('validate: runtime invariants in detail', () => {
  it('an integer default typed number is refused when the document is given parsed: 5.0 cannot be told from 5', () => {
    const doc = parsed('integer_default_for_number/pass.json');
    expect(where(validate(doc).errors)).toEqual(FAILING.integer_default_for_number);
  });

  it('all-caps placeholders are environment variables, not ApiNode inputs', () => {
    const doc = parsed('valid.json');
    doc.$referenced_components.ask.headers = { 'X-Bridge-Token': '{{ BRIDGE_TOKEN }}' };
    expect(validate(doc).valid).toBe(true);
  });

  it('a placeholder with no declared input is reported where it is used', () => {
    const doc = parsed('valid.json');
    doc.$referenced_components.ask.query_params = { tone: '{{ tone }}' };
    expect(where(validate(doc).errors)).toEqual([
      'api_placeholders_mismatch /$referenced_components/ask/query_params/tone',
    ]);
  });

  it('question marks inside Jinja string literals are not ternaries', () => {
    const doc = parsed('valid.json');
    doc.$referenced_components.ask.data.user = "{{ message }}{{ ' ? Really: yes' if message else '' }}";
    expect(validate(doc).valid).toBe(true);
  });

  it('an EndNode output with a default needs no edge', () => {
    const doc = parsed('end_output_unconnected/fail.json');
    doc.$referenced_components.end.outputs[1].default = '';
    expect(validate(doc).valid).toBe(true);
  });

  it('a flow without data edges is wired by name', () => {
    const doc = parsed('valid.json');
    doc.data_flow_connections = null;
    // Name-based wiring cannot rename cinatra_run_id to agent_run_id: the pattern needs an edge.
    expect(where(validate(doc).errors)).toEqual(['run_id_injection /$referenced_components/ask/inputs/1']);
    doc.$referenced_components.end.outputs.push({ title: 'nobody_writes_this', type: 'string' });
    expect(where(validate(doc).errors)).toContain(
      'end_output_unconnected /$referenced_components/end/outputs/1',
    );
  });
});

describe('validate: bad input gives errors, never a throw', () => {
  it('malformed JSON', () => {
    const result = validate('{"agentspec_version": "26.1.0", "component_type": ');
    expect(result.valid).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.code).toBe('invalid_json');
    expect(result.errors[0]!.message).toMatch(/line 1, column \d+/);
  });

  it('malformed YAML', () => {
    const result = validate('agentspec_version: "26.1.0"\ncomponent_type: Flow\n  nodes: [a, b\n', {
      format: 'yaml',
    });
    expect(result.valid).toBe(false);
    expect(result.errors.map((error) => error.code)).toContain('invalid_yaml');
  });

  it('values that are not a document at all', () => {
    for (const content of [42, null, 'null', '[]', '"text"'] as unknown[]) {
      const result = validate(content as object);
      expect(result.valid, String(content)).toBe(false);
      expect(result.errors.length).toBeGreaterThan(0);
    }
  });

  it('a document nested far deeper than any agent', () => {
    const deep = `{"agentspec_version":"26.1.0","component_type":"Flow","metadata":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expect(validate(deep).errors.map((error) => error.code)).toEqual(['too_deep']);
    let value: unknown = 'bottom';
    for (let level = 0; level < 5_000; level++) value = { level: value };
    expect(validate({ ...parsed('valid.json'), metadata: value }).errors.map((error) => error.code)).toEqual([
      'too_deep',
    ]);
  });

  it('a document larger than the limit', () => {
    const doc = parsed('valid.json');
    doc.description = 'x'.repeat(6 * 1024 * 1024);
    const result = validate(JSON.stringify(doc));
    expect(result.errors.map((error) => error.code)).toEqual(['too_large']);
  });

  it('a broken graph: edges without ends, nodes that are not listed, ports with no names', () => {
    const doc = parsed('valid.json');
    doc.control_flow_connections.push({
      component_type: 'ControlFlowEdge',
      id: 'e1',
      name: 'e1',
      from_node: null,
      to_node: null,
    });
    doc.data_flow_connections.push({
      component_type: 'DataFlowEdge',
      id: 'e2',
      name: 'e2',
      source_node: { $component_ref: 'start' },
      source_output: 7,
      destination_node: { $component_ref: 'end' },
      destination_input: null,
    });
    expect(where(validate(doc).errors)).toEqual([
      'edge_unknown_node /control_flow_connections/2/from_node',
      'edge_unknown_node /control_flow_connections/2/to_node',
      'edge_unknown_port /data_flow_connections/3/destination_input',
      'edge_unknown_port /data_flow_connections/3/source_output',
    ]);
  });

  it('any field of any component replaced by a value of the wrong shape', () => {
    const weird: unknown[] = [null, 0, 1.5, 'text', [], [null, 3, 'x'], {}, { title: 7 }];
    const original = parsed('valid.json');
    const places: Array<(doc: Fixture) => Fixture> = [
      (doc) => doc,
      ...Object.keys(original.$referenced_components).map(
        (id) => (doc: Fixture) => doc.$referenced_components[id],
      ),
      ...original.control_flow_connections.map(
        (_: unknown, index: number) => (doc: Fixture) => doc.control_flow_connections[index],
      ),
      ...original.data_flow_connections.map(
        (_: unknown, index: number) => (doc: Fixture) => doc.data_flow_connections[index],
      ),
    ];
    let checked = 0;
    for (const place of places) {
      for (const key of Object.keys(place(original))) {
        if (key === 'agentspec_version') continue;
        for (const value of weird) {
          const doc = parsed('valid.json');
          place(doc)[key] = value;
          const result = validate(doc);
          expect(typeof result.valid).toBe('boolean');
          expect(result.valid).toBe(result.errors.length === 0);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});

describe('validate: paths name the document as written', () => {
  it('gives the same errors for the same document written as YAML', () => {
    for (const code of ['ternary_in_placeholder', 'edge_unknown_port', 'end_output_unconnected']) {
      const json = validate(fixture(`${code}/fail.json`));
      const yaml = validate(stringify(parsed(`${code}/fail.json`)), { format: 'yaml' });
      expect(yaml).toEqual(json);
    }
  });

  it('is deterministic, errors ordered by path', () => {
    const content = fixture('nested-flow/fail.json');
    const first = validate(content);
    expect(validate(content)).toEqual(first);
    expect(JSON.stringify(validate(Buffer.from(content)))).toBe(JSON.stringify(first));
  });

  it('only ever reports its own codes and the loader’s', () => {
    const known = new Set<string>([
      ...Object.keys(AGENT_SPEC_VALIDATION_CODES),
      ...AGENTSPEC_LOAD_ISSUE_CODES,
    ]);
    for (const code of Object.keys(FAILING)) {
      for (const error of validate(fixture(`${code}/fail.json`)).errors)
        expect(known.has(error.code), error.code).toBe(true);
    }
  });
});

describe('isTypeCompatible: Agent Spec data-flow typing', () => {
  const cases: Array<[unknown, unknown, boolean]> = [
    [{ type: 'string' }, { type: 'string' }, true],
    [{ type: 'object' }, { type: 'string' }, true],
    [{ type: 'integer' }, { type: 'number' }, true],
    [{ type: 'number' }, { type: 'integer' }, true],
    [{ type: 'boolean' }, { type: 'integer' }, true],
    [{ type: 'string' }, { type: 'number' }, false],
    [{ type: 'null' }, { type: 'boolean' }, false],
    [{ type: 'number' }, { type: ['number', 'null'] }, true],
    [{ type: ['string', 'null'] }, { type: 'number' }, false],
    [{ anyOf: [{ type: 'integer' }, { type: 'boolean' }] }, { type: 'number' }, true],
    [{ type: 'array', items: { type: 'integer' } }, { type: 'array', items: { type: 'string' } }, true],
    [{ type: 'array', items: { type: 'string' } }, { type: 'array', items: { type: 'object' } }, false],
    [{ type: 'array' }, { type: 'object' }, false],
    [
      { type: 'object', properties: { n: { type: 'string' } } },
      { type: 'object', properties: { n: { type: 'integer' } } },
      false,
    ],
    [
      { type: 'object', properties: { n: { type: 'integer' } } },
      { type: 'object', properties: { m: { type: 'integer' } } },
      true,
    ],
    [{}, { type: 'integer' }, true],
    [{ type: 'integer' }, {}, true],
  ];
  it.each(cases)('%j -> %j is %s', (output, input, compatible) => {
    expect(isTypeCompatible(output, input)).toBe(compatible);
  });
});
