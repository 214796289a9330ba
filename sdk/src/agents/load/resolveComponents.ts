import type { AgentSpecComponent, AgentSpecIssue } from '../types.js';
import {
  AGENTSPEC_COMPONENT_TYPES,
  componentFieldsOf,
  isAgentSpecComponentType,
  isInFamily,
  type AgentSpecComponentField,
} from './componentTypes.js';
import { setOwn } from './parseCheckedJson.js';
import { childPointer } from './pointer.js';

export type JsonObject = Record<string, unknown>;

export const REFERENCED_COMPONENTS_KEY = '$referenced_components';
export const COMPONENT_REF_KEY = '$component_ref';
export const VERSION_KEY = 'agentspec_version';

interface Definition {
  raw: JsonObject;
  path: string;
  component: AgentSpecComponent;
  known: boolean;
}

interface PendingComponent {
  raw: JsonObject;
  path: string;
  /** Where this component sits may carry `agentspec_version` (root, disaggregated entries). */
  versionAllowed: boolean;
}

export interface ResolveOptions {
  /** The document's own version, for the message when a nested version contradicts it. */
  documentVersion: string | undefined;
  /** Components of a disaggregated configuration, by reference key. */
  external: ReadonlyMap<string, AgentSpecComponent> | undefined;
  maxDepth: number;
}

export interface ResolvedComponents {
  issues: AgentSpecIssue[];
  /** Every component by id: document order, then components of the supplied registry. */
  components: Map<string, AgentSpecComponent>;
  paths: Map<AgentSpecComponent, string>;
  /** Resolves a `$component_ref` key (after `resolve()`); records a missing one as an issue. */
  resolveKey(key: string, path: string): AgentSpecComponent | undefined;
  /** Resolved components of the `$referenced_components` keys, in document order. */
  referenced: Map<string, AgentSpecComponent>;
}

/**
 * Finds every component of a parsed document by following the component-holding fields of the
 * type table, folds every `$referenced_components` (at any level) into one table of keys,
 * replaces `{"$component_ref": key}` by the component itself, and checks what makes a document
 * unreadable: missing/duplicate keys and ids, self references, misplaced versions, unknown
 * types, nesting that becomes too deep once references are resolved. Nothing here recurses.
 */
export class ComponentResolver {
  private readonly issues: AgentSpecIssue[] = [];
  private readonly definitions: Definition[] = [];
  private readonly byRaw = new Map<JsonObject, Definition>();
  private readonly byId = new Map<string, { component: AgentSpecComponent; path: string }>();
  private readonly keys = new Map<string, { path: string; raw: unknown }>();
  private readonly externalUses = new Map<AgentSpecComponent, string>();
  private readonly pending: PendingComponent[] = [];

  constructor(private readonly options: ResolveOptions) {}

  /** Adds a component object (the document root, or any component found outside the walk). */
  addComponent(raw: JsonObject, path: string, versionAllowed: boolean): void {
    this.pending.push({ raw, path, versionAllowed });
    this.drain();
  }

  /** Adds the entries of a `$referenced_components` map found at `path`. */
  addReferencedComponents(value: unknown, path: string, entriesMayCarryVersion: boolean): void {
    const entries = this.referencedEntries(value, path, entriesMayCarryVersion);
    for (let index = entries.length - 1; index >= 0; index--) this.pending.push(entries[index]!);
    this.drain();
  }

  resolve(): ResolvedComponents {
    for (const definition of this.definitions) {
      if (definition.known) this.link(definition);
    }
    const paths = new Map<AgentSpecComponent, string>();
    const components = new Map<string, AgentSpecComponent>();
    for (const definition of this.definitions) {
      paths.set(definition.component, definition.path);
      if (!components.has(definition.component.id))
        components.set(definition.component.id, definition.component);
    }
    this.checkGraph(paths, components);
    const referenced = new Map<string, AgentSpecComponent>();
    for (const [key, entry] of this.keys) {
      const definition = isObject(entry.raw) ? this.byRaw.get(entry.raw) : undefined;
      if (definition) referenced.set(key, definition.component);
    }
    return {
      issues: this.issues,
      components,
      paths,
      referenced,
      resolveKey: (key, path) => this.resolveKey(key, path),
    };
  }

  private drain(): void {
    while (this.pending.length > 0) this.define(this.pending.pop()!);
  }

  private referencedEntries(
    value: unknown,
    path: string,
    entriesMayCarryVersion: boolean,
  ): PendingComponent[] {
    if (!isObject(value)) {
      this.report(
        'invalid_component',
        path,
        `${REFERENCED_COMPONENTS_KEY} must be an object of components by key`,
      );
      return [];
    }
    const entries: PendingComponent[] = [];
    for (const [key, entry] of Object.entries(value)) {
      const entryPath = childPointer(path, key);
      const earlier = this.keys.get(key);
      if (earlier) {
        this.report(
          'duplicate_reference_key',
          entryPath,
          `Referenced component key "${key}" is already defined at ${earlier.path || '/'}`,
        );
        continue;
      }
      if (this.options.external?.has(key)) {
        this.report(
          'duplicate_reference_key',
          entryPath,
          `Referenced component key "${key}" is defined both here and in the supplied components`,
        );
        continue;
      }
      this.keys.set(key, { path: entryPath, raw: entry });
      if (
        !isObject(entry) ||
        typeof entry.component_type !== 'string' ||
        Object.hasOwn(entry, COMPONENT_REF_KEY)
      ) {
        this.report(
          'invalid_component',
          entryPath,
          'A referenced component must be a component definition (with component_type), not a reference',
        );
        continue;
      }
      entries.push({ raw: entry, path: entryPath, versionAllowed: entriesMayCarryVersion });
    }
    return entries;
  }

  private define({ raw, path, versionAllowed }: PendingComponent): void {
    if (this.byRaw.has(raw)) return;
    if (Object.hasOwn(raw, VERSION_KEY) && !versionAllowed) this.reportNestedVersion(raw[VERSION_KEY], path);

    const componentType = raw.component_type;
    if (typeof componentType !== 'string') {
      this.report('invalid_component', path, 'A component needs a string component_type');
      return;
    }
    const known = isAgentSpecComponentType(componentType);
    if (!known) {
      const plugin = typeof raw.component_plugin_name === 'string' ? raw.component_plugin_name : undefined;
      this.report(
        'unknown_component_type',
        childPointer(path, 'component_type'),
        plugin
          ? `Component type "${componentType}" comes from plugin "${plugin}", which this loader does not support`
          : `"${componentType}" is not an Agent Spec component type`,
      );
    }
    const id = raw.id;
    if (typeof id !== 'string' || id === '') {
      this.report(
        'invalid_component',
        childPointer(path, 'id'),
        `This ${componentType} needs a non-empty string id (the spec would invent a random one; references and reviews need it stable)`,
      );
    }

    const component = {} as AgentSpecComponent;
    for (const [key, value] of Object.entries(raw)) {
      if (key === REFERENCED_COMPONENTS_KEY || key === VERSION_KEY) continue;
      setOwn(component, key, value);
    }
    const definition: Definition = { raw, path, component, known };
    this.definitions.push(definition);
    this.byRaw.set(raw, definition);
    if (typeof id === 'string' && id !== '') {
      const earlier = this.byId.get(id);
      if (earlier) {
        this.report(
          'duplicate_component_id',
          childPointer(path, 'id'),
          `Component id "${id}" is already used by the component at ${earlier.path || '/'}`,
        );
      } else {
        this.byId.set(id, { component, path });
      }
    }

    // Queue nested components in document order (the stack pops the first one first).
    const children: PendingComponent[] = [];
    const fields = known ? AGENTSPEC_COMPONENT_TYPES[componentType]!.componentFields : {};
    for (const [key, value] of Object.entries(raw)) {
      if (key === REFERENCED_COMPONENTS_KEY) {
        children.push(...this.referencedEntries(value, childPointer(path, key), false));
        continue;
      }
      const field = fields[key];
      if (!field) continue;
      for (const slot of this.slotsOf(value, field, childPointer(path, key))) {
        if (isObject(slot.value) && !Object.hasOwn(slot.value, COMPONENT_REF_KEY)) {
          children.push({ raw: slot.value, path: slot.path, versionAllowed: false });
        }
      }
    }
    for (let index = children.length - 1; index >= 0; index--) this.pending.push(children[index]!);
  }

  /** The places in a component-holding field where a component (or reference) sits; bad shapes are reported. */
  private slotsOf(
    value: unknown,
    field: AgentSpecComponentField,
    path: string,
  ): Array<{ value: unknown; path: string }> {
    if (value === null || value === undefined) return [];
    const invalid = (at: string, what: string): [] => {
      this.report('invalid_component', at, what);
      return [];
    };
    const slotOf = (item: unknown, at: string) => {
      if (!isObject(item))
        return invalid(at, `Expected a component (${field.family}) or a ${COMPONENT_REF_KEY}`);
      if (Object.hasOwn(item, COMPONENT_REF_KEY)) {
        return typeof item[COMPONENT_REF_KEY] === 'string'
          ? [{ value: item, path: at }]
          : invalid(at, `${COMPONENT_REF_KEY} must be a string`);
      }
      if (!Object.hasOwn(item, 'component_type')) {
        return invalid(
          at,
          `Expected a component (${field.family}, with component_type) or a ${COMPONENT_REF_KEY}`,
        );
      }
      return [{ value: item, path: at }];
    };
    if (field.holds === 'one') return slotOf(value, path);
    if (!Array.isArray(value)) return invalid(path, `Expected a list of ${field.family} components`);
    const slots: Array<{ value: unknown; path: string }> = [];
    value.forEach((item, index) => {
      const at = childPointer(path, index);
      if (field.holds === 'list') {
        if (!(field.stringsAllowed && typeof item === 'string')) slots.push(...slotOf(item, at));
      } else if (Array.isArray(item) && item.length === 2) {
        slots.push(...slotOf(item[0], childPointer(at, 0)), ...slotOf(item[1], childPointer(at, 1)));
      } else {
        invalid(at, `Expected a pair of ${field.family} components`);
      }
    });
    return slots;
  }

  /** Second pass: replaces inline definitions and references by the components themselves. */
  private link(definition: Definition): void {
    const { raw, component, path } = definition;
    const fields = componentFieldsOf(component.component_type);
    for (const [key, field] of Object.entries(fields)) {
      if (!Object.hasOwn(raw, key)) continue;
      const fieldPath = childPointer(path, key);
      const resolveItem = (item: unknown, at: string): unknown => {
        if (!isObject(item)) return item;
        let target: AgentSpecComponent | undefined;
        if (Object.hasOwn(item, COMPONENT_REF_KEY)) {
          if (typeof item[COMPONENT_REF_KEY] !== 'string') return item;
          target = this.resolveKey(item[COMPONENT_REF_KEY], at);
        } else {
          target = this.byRaw.get(item)?.component;
        }
        if (!target) return item;
        if (
          !isInFamily(target.component_type, field.family) &&
          isAgentSpecComponentType(target.component_type)
        ) {
          this.report(
            'invalid_component',
            at,
            `Expected a component of family ${field.family}, got a ${target.component_type}`,
          );
        }
        return target;
      };
      const value = raw[key];
      if (value === null || value === undefined) continue;
      // Shapes were reported on the first pass; here only well-formed slots are replaced.
      let linked: unknown;
      if (field.holds === 'one') {
        linked = resolveItem(value, fieldPath);
      } else if (!Array.isArray(value)) {
        linked = value;
      } else if (field.holds === 'list') {
        linked = value.map((item, index) => resolveItem(item, childPointer(fieldPath, index)));
      } else {
        linked = value.map((pair, index) =>
          Array.isArray(pair)
            ? pair.map((item, side) => resolveItem(item, childPointer(fieldPath, index, side)))
            : pair,
        );
      }
      component[key] = linked;
    }
  }

  private resolveKey(key: string, path: string): AgentSpecComponent | undefined {
    const entry = this.keys.get(key);
    if (entry) {
      return isObject(entry.raw) ? this.byRaw.get(entry.raw)?.component : undefined;
    }
    const external = this.options.external?.get(key);
    if (external) {
      if (!this.externalUses.has(external)) this.externalUses.set(external, path);
      return external;
    }
    this.report(
      'missing_reference',
      path,
      this.options.external
        ? `No referenced component "${key}" in the document or the supplied components`
        : `No referenced component "${key}" in the document (a disaggregated configuration needs its components supplied)`,
    );
    return undefined;
  }

  /**
   * One iterative depth-first walk over the linked components: finds reference cycles, adds the
   * components of supplied registries to the table, and measures how deep the document nests
   * once every reference is inlined.
   */
  private checkGraph(
    paths: Map<AgentSpecComponent, string>,
    components: Map<string, AgentSpecComponent>,
  ): void {
    const state = new Map<AgentSpecComponent, 'open' | number>();
    let reportedDepth = false;
    const starts = [
      ...this.definitions.map((definition) => definition.component),
      ...this.externalUses.keys(),
    ];
    for (const start of starts) {
      if (state.has(start)) continue;
      const stack: Array<{ component: AgentSpecComponent; edges: GraphEdge[]; next: number; depth: number }> =
        [];
      const enter = (component: AgentSpecComponent, inheritedPath: string | undefined): void => {
        if (!paths.has(component) && inheritedPath !== undefined) {
          paths.set(component, inheritedPath);
          const earlier = components.get(component.id);
          if (earlier === undefined) components.set(component.id, component);
          else if (earlier !== component) {
            this.report(
              'duplicate_component_id',
              inheritedPath,
              `Supplied component id "${component.id}" is also used by the component at ${paths.get(earlier) || '/'}`,
            );
          }
        }
        state.set(component, 'open');
        stack.push({
          component,
          edges: edgesOf(component, paths.get(component) ?? ''),
          next: 0,
          depth: dataDepth(component),
        });
      };
      enter(start, this.externalUses.get(start));
      while (stack.length > 0) {
        const frame = stack.at(-1)!;
        const edge = frame.edges[frame.next++];
        if (edge) {
          const seen = state.get(edge.target);
          if (seen === 'open') {
            const cycleStart = stack.findIndex((entry) => entry.component === edge.target);
            const names = [...stack.slice(cycleStart).map((entry) => entry.component.id), edge.target.id];
            this.report(
              'self_reference',
              edge.path,
              `Component "${edge.target.id}" refers to itself: ${names.join(' → ')}`,
            );
          } else if (seen === undefined) {
            enter(edge.target, this.externalUses.get(edge.target) ?? paths.get(frame.component));
          } else {
            frame.depth = Math.max(frame.depth, 1 + edge.offset + seen);
          }
          continue;
        }
        stack.pop();
        state.set(frame.component, frame.depth);
        const parent = stack.at(-1);
        if (parent) {
          const edgeIn = parent.edges[parent.next - 1]!;
          parent.depth = Math.max(parent.depth, 1 + edgeIn.offset + frame.depth);
        }
        if (!reportedDepth && frame.depth > this.options.maxDepth) {
          reportedDepth = true;
          this.report(
            'too_deep',
            paths.get(frame.component) ?? '',
            `With references resolved, this component nests ${frame.depth} levels deep; the limit is ${this.options.maxDepth}`,
          );
        }
      }
    }
  }

  private reportNestedVersion(value: unknown, path: string): void {
    const documentVersion = this.options.documentVersion;
    this.report(
      'nested_version',
      childPointer(path, VERSION_KEY),
      documentVersion !== undefined && value !== documentVersion
        ? `agentspec_version ${JSON.stringify(value)} contradicts the document's version ${documentVersion}`
        : 'agentspec_version belongs at the top level of the document only',
    );
  }

  private report(code: string, path: string, message: string): void {
    this.issues.push({ code, path, message });
  }
}

interface GraphEdge {
  target: AgentSpecComponent;
  path: string;
  /** JSON levels between the holding component and the held one: 0 one, 1 list, 2 pair. */
  offset: number;
}

/** The components a (linked) component holds, with where they sit. */
export function edgesOf(component: AgentSpecComponent, path: string): GraphEdge[] {
  const edges: GraphEdge[] = [];
  const add = (value: unknown, at: string, offset: number): void => {
    if (isComponent(value)) edges.push({ target: value, path: at, offset });
  };
  for (const [key, field] of Object.entries(componentFieldsOf(component.component_type))) {
    const value = component[key];
    const at = childPointer(path, key);
    if (field.holds === 'one') add(value, at, 0);
    else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (field.holds === 'list') add(item, childPointer(at, index), 1);
        else if (Array.isArray(item)) item.forEach((side, s) => add(side, childPointer(at, index, s), 2));
      });
    }
  }
  return edges;
}

/** JSON depth of a component counting only its plain-data fields (the object itself is 1). */
function dataDepth(component: AgentSpecComponent): number {
  const fields = componentFieldsOf(component.component_type);
  let deepest = 1;
  const work: Array<{ value: unknown; depth: number }> = [];
  for (const [key, value] of Object.entries(component)) {
    if (!Object.hasOwn(fields, key)) work.push({ value, depth: 1 });
  }
  while (work.length > 0) {
    const { value, depth } = work.pop()!;
    if (value === null || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const item of Object.values(value)) work.push({ value: item, depth: depth + 1 });
  }
  return deepest;
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isComponent(value: unknown): value is AgentSpecComponent {
  return (
    isObject(value) && typeof value.component_type === 'string' && !Object.hasOwn(value, COMPONENT_REF_KEY)
  );
}
