import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AGENTSPEC_COMPONENT_FAMILIES,
  AGENTSPEC_COMPONENT_TYPES,
  loadAgentSpec,
  loadAgentSpecComponents,
  serializeAgentSpec,
  type AgentSpecComponentField,
} from '../../src/agents/load/index.js';
import { AgentSpecLoadError, type AgentSpecIssue } from '../../src/agents/types.js';

/**
 * The official Agent Spec examples and JSON Schemas, read in place from the shared data beside
 * the checkout (`../shared/conformance`, or `CINATRA_CONFORMANCE_DIR`), never copied into this
 * repository. A developer without it gets the suite skipped; CI without it fails.
 */
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const agentspecData = join(
  process.env.CINATRA_CONFORMANCE_DIR ?? join(repoRoot, '..', 'shared', 'conformance'),
  'agentspec',
);
const examplesDir = join(agentspecData, 'examples');
const schemaDir = join(agentspecData, 'json-schema');
const dataPresent = existsSync(examplesDir) && existsSync(schemaDir);
if (!dataPresent && process.env.CI) {
  throw new Error(
    `The Agent Spec conformance data is missing at ${agentspecData}: set CINATRA_CONFORMANCE_DIR to the shared conformance folder.`,
  );
}

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, 'utf8')) as Json;

/** Examples the loader refuses on purpose, with the issue it must report and why. */
const REFUSED: Record<string, { code: string; path: string; reason: string }> = {
  'howto_oracle_datastore.json': {
    code: 'unsupported_version',
    path: '/agentspec_version',
    reason:
      'written at agentspec_version 26.2.0 (a development version), outside SUPPORTED_AGENTSPEC_VERSIONS',
  },
  'howto_summarization_transforms.json': {
    code: 'unsupported_version',
    path: '/agentspec_version',
    reason:
      'written at agentspec_version 26.2.0 (a development version), outside SUPPORTED_AGENTSPEC_VERSIONS',
  },
  'howto_a2aagent.json': {
    code: 'invalid_component',
    path: '/connection_config',
    reason:
      'connection_config is written as a bare object without component_type (and without the required name): ' +
      'pyagentspec cannot deserialize it and the 26.1.0 JSON Schema rejects it too',
  },
};

/** Loaded examples that the official schema of their own version rejects, and why. */
const SCHEMA_REJECTS: Record<string, string> = {
  'howto_catchexception.json':
    'uses CatchExceptionNode (introduced in 26.1.2) but declares agentspec_version 26.1.0, whose schema has no such type',
};

const DISAGGREGATED_MAIN = 'howto_disaggregated_main_config.json';
const DISAGGREGATED_COMPONENTS = 'howto_disaggregated_component_config.json';

const SCHEMA_FILES: Record<string, string> = {
  '26.1.0': 'agentspec_json_spec_26_1_0.json',
  '26.1.2': 'agentspec_json_spec_26_1_2.json',
};

function refusal(load: () => unknown): AgentSpecIssue[] {
  try {
    load();
  } catch (error) {
    if (error instanceof AgentSpecLoadError) return error.issues;
    throw error;
  }
  throw new Error('The document was accepted');
}

/** The document as the schema sees it: `Versioned<X>` forbids the root version key itself. */
function withoutVersion(document: Json): Json {
  const { agentspec_version: _version, ...rest } = document;
  return rest;
}

describe.skipIf(!dataPresent)('Agent Spec conformance examples (../shared/conformance/agentspec)', () => {
  const examples = dataPresent
    ? readdirSync(examplesDir)
        .filter((name) => name.endsWith('.json'))
        .sort()
    : [];
  const validators = new Map<string, ValidateFunction>();

  beforeAll(() => {
    for (const [version, file] of Object.entries(SCHEMA_FILES)) {
      // The schemas are pydantic output: `x-abstract-component` keywords and untyped
      // `properties` fail Ajv's strict mode, so they compile with strict off. allErrors stays
      // off: across the schema's nested anyOfs it makes one rejected document take seconds.
      const ajv = new Ajv2020.default({ strict: false });
      validators.set(version, ajv.compile(readJson(join(schemaDir, file))));
    }
  });

  it('has the examples this suite expects', () => {
    expect(examples.length).toBeGreaterThanOrEqual(30);
    for (const name of [
      ...Object.keys(REFUSED),
      ...Object.keys(SCHEMA_REJECTS),
      DISAGGREGATED_MAIN,
      DISAGGREGATED_COMPONENTS,
    ]) {
      expect(examples).toContain(name);
    }
  });

  it.for(examples)('%s', async (name, { annotate }) => {
    const text = readFileSync(join(examplesDir, name), 'utf8');
    const raw = JSON.parse(text) as Json;

    if (text.includes('"component_plugin_name"')) {
      const issues = refusal(() => loadAgentSpec(text, { origin: name }));
      expect(issues.map((issue) => issue.code)).toContain('unknown_component_type');
      await annotate(
        `skipped: uses plugin components (${issues.map((issue) => issue.message).join('; ')})`,
        'skip',
      );
      return;
    }

    const refused = REFUSED[name];
    if (refused) {
      const issues = refusal(() => loadAgentSpec(text, { origin: name }));
      expect(issues[0]).toMatchObject({ code: refused.code, path: refused.path });
      await annotate(`refused on purpose: ${refused.reason}`, 'notice');
      return;
    }

    if (name === DISAGGREGATED_COMPONENTS) {
      const registry = loadAgentSpecComponents(text, { origin: name });
      expect([...registry.components.keys()]).toEqual(['llm_config', 'client_weather_tool']);
      expect(refusal(() => loadAgentSpec(text)).map((issue) => issue.code)).toContain(
        'missing_root_component',
      );
      return;
    }

    const components =
      name === DISAGGREGATED_MAIN
        ? loadAgentSpecComponents(readFileSync(join(examplesDir, DISAGGREGATED_COMPONENTS)), {
            origin: DISAGGREGATED_COMPONENTS,
          }).components
        : undefined;
    const spec = loadAgentSpec(text, { origin: name, components });
    expect(spec.version).toBe(raw.agentspec_version);
    expect(spec.root.id).toBe(raw.id);

    // Round trip: load → serialize → load is equal, and serializing is idempotent.
    const serialized = serializeAgentSpec(spec);
    const again = loadAgentSpec(serialized);
    expect(again.version).toBe(spec.version);
    expect(again.root).toEqual(spec.root);
    expect([...again.components.keys()].sort()).toEqual([...spec.components.keys()].sort());
    expect(serializeAgentSpec(again)).toBe(serialized);

    const validate = validators.get(spec.version);
    if (!validate) return;
    const schemaReason = SCHEMA_REJECTS[name];
    const originalValid = validate(withoutVersion(raw));
    const errors = JSON.stringify(validate.errors?.slice(0, 3));
    if (schemaReason) {
      expect(originalValid, 'the schema now accepts it: drop it from SCHEMA_REJECTS').toBe(false);
      await annotate(`schema ${spec.version} rejects it: ${schemaReason}`, 'notice');
    } else {
      expect(originalValid, errors).toBe(true);
    }
    // What the serializer writes is exactly as valid as what it read.
    expect(validate(withoutVersion(JSON.parse(serialized) as Json))).toBe(originalValid);
  });

  it('confirms the refusal reasons against the schemas where one applies', () => {
    const a2a = readJson(join(examplesDir, 'howto_a2aagent.json'));
    const validate = validators.get('26.1.0')!;
    expect(validate(withoutVersion(a2a))).toBe(false);
    // With component_type, name and id added, the same document loads and satisfies the schema.
    const connection = { component_type: 'A2AConnectionConfig', id: 'connection', name: 'connection' };
    const repaired = { ...a2a, connection_config: { ...connection, ...(a2a.connection_config as Json) } };
    expect(validate(withoutVersion(repaired))).toBe(true);
    expect(loadAgentSpec(repaired).root.connection_config).toMatchObject({
      component_type: 'A2AConnectionConfig',
    });
  });
});

/** What the official schema says a property holds, when it holds components. */
function componentSlotOf(
  schema: unknown,
  defs: Record<string, Json>,
): { holds: AgentSpecComponentField['holds']; types: Set<string>; strings: boolean } | undefined {
  const refsIn = (node: unknown): { types: Set<string>; strings: boolean } => {
    const types = new Set<string>();
    let strings = false;
    const visit = (value: unknown): void => {
      if (value === null || typeof value !== 'object') return;
      const object = value as Json;
      if (typeof object.$ref === 'string') {
        const name = object.$ref.split('/').at(-1)!;
        if (isComponentDef(name, defs)) for (const type of concreteTypes(name, defs)) types.add(type);
        return;
      }
      if (object.type === 'string') strings = true;
      for (const option of (object.anyOf as unknown[] | undefined) ?? []) visit(option);
    };
    visit(node);
    return { types, strings };
  };
  const options = [schema, ...(((schema as Json).anyOf as unknown[] | undefined) ?? [])] as Json[];
  for (const option of options) {
    if (option.type === 'array' && Array.isArray(option.prefixItems)) {
      const { types } = refsIn({ anyOf: option.prefixItems });
      if (types.size > 0) return { holds: 'pairs', types, strings: false };
    }
    if (option.type === 'array' && option.items) {
      const items = option.items as Json;
      if (items.type === 'array' && Array.isArray(items.prefixItems)) {
        const { types } = refsIn({ anyOf: items.prefixItems });
        if (types.size > 0) return { holds: 'pairs', types, strings: false };
      }
      const { types, strings } = refsIn(items);
      if (types.size > 0) return { holds: 'list', types, strings };
    }
  }
  const { types } = refsIn(schema);
  return types.size > 0 ? { holds: 'one', types, strings: false } : undefined;
}

/** `X` is a component slot in the schema when it is `anyOf: [BaseX, ComponentReference]`. */
function isComponentDef(name: string, defs: Record<string, Json>): boolean {
  const anyOf = (defs[name]?.anyOf as Json[] | undefined) ?? [];
  return anyOf.some((option) => option.$ref === '#/$defs/ComponentReference');
}

function concreteTypes(name: string, defs: Record<string, Json>, seen = new Set<string>()): Set<string> {
  const types = new Set<string>();
  if (seen.has(name)) return types;
  seen.add(name);
  const collect = (definition: Json): void => {
    const constant = ((definition.properties as Json | undefined)?.component_type as Json | undefined)?.const;
    if (typeof constant === 'string') types.add(constant);
    for (const option of (definition.anyOf as Json[] | undefined) ?? []) {
      if (typeof option.$ref === 'string') {
        const target = option.$ref.split('/').at(-1)!;
        if (target !== 'ComponentReference')
          for (const type of concreteTypes(target, defs, seen)) types.add(type);
      } else {
        collect(option);
      }
    }
  };
  collect(defs[name] ?? {});
  return types;
}

/** Every object schema in the definitions that declares one concrete component_type. */
function componentObjectSchemas(defs: Record<string, Json>): Map<string, Json> {
  const found = new Map<string, Json>();
  const visit = (definition: Json): void => {
    const constant = ((definition.properties as Json | undefined)?.component_type as Json | undefined)?.const;
    if (typeof constant === 'string') found.set(constant, definition);
    for (const option of (definition.anyOf as Json[] | undefined) ?? []) if (!option.$ref) visit(option);
  };
  for (const definition of Object.values(defs)) visit(definition);
  return found;
}

describe.skipIf(!dataPresent)('component type table against the official 26.1.2 JSON Schema', () => {
  const defs = dataPresent
    ? (readJson(join(schemaDir, SCHEMA_FILES['26.1.2']!)).$defs as Record<string, Json>)
    : {};
  const objects = componentObjectSchemas(defs);

  it('knows exactly the schema’s concrete component types', () => {
    expect([...objects.keys()].sort()).toEqual(Object.keys(AGENTSPEC_COMPONENT_TYPES).sort());
  });

  it.each(Object.keys(AGENTSPEC_COMPONENT_TYPES).sort())(
    '%s: component-holding fields match the schema',
    (type) => {
      const properties = (objects.get(type)?.properties ?? {}) as Record<string, unknown>;
      const fromSchema: Record<string, { holds: string; types: string[]; strings: boolean }> = {};
      for (const [field, schema] of Object.entries(properties)) {
        if (field === '$referenced_components') continue;
        const slot = componentSlotOf(schema, defs);
        if (slot)
          fromSchema[field] = { holds: slot.holds, types: [...slot.types].sort(), strings: slot.strings };
      }
      const fromTable: Record<string, { holds: string; types: string[]; strings: boolean }> = {};
      for (const [field, info] of Object.entries(AGENTSPEC_COMPONENT_TYPES[type]!.componentFields)) {
        fromTable[field] = {
          holds: info.holds,
          types: [...AGENTSPEC_COMPONENT_FAMILIES[info.family]].sort(),
          strings: info.stringsAllowed ?? false,
        };
      }
      expect(fromTable).toEqual(fromSchema);
    },
  );
});
