import type { AgentSpecComponent, LoadedAgentSpec } from '../types.js';
import { componentFieldsOf } from './componentTypes.js';
import { edgesOf } from './resolveComponents.js';
import { setOwn } from './parseCheckedJson.js';

/**
 * Writes a loaded document back as Agent Spec JSON (2-space indent, newline-terminated).
 * A component that appears in more than one place — and any component of the document that
 * the root does not reach — is written once, under the root's `$referenced_components` keyed by
 * its id, and everywhere else as `{"$component_ref": id}`; all others are inlined. Keys keep
 * the order they were loaded in; shared components are listed in order of first appearance;
 * `agentspec_version` comes last. So `loadAgentSpec(serializeAgentSpec(spec))` equals `spec`,
 * and serializing that again gives the same bytes.
 */
export function serializeAgentSpec(spec: LoadedAgentSpec): string {
  const uses = new Map<AgentSpecComponent, number>();
  const firstSeen: AgentSpecComponent[] = [];
  const count = (start: AgentSpecComponent, extraUses: number): void => {
    const work: AgentSpecComponent[] = [start];
    let first = true;
    while (work.length > 0) {
      const component = work.pop()!;
      const seen = uses.get(component);
      const add = first ? extraUses : 0;
      first = false;
      if (seen !== undefined) {
        uses.set(component, seen + 1 + add);
        continue;
      }
      uses.set(component, 1 + add);
      firstSeen.push(component);
      const edges = edgesOf(component, '');
      for (let index = edges.length - 1; index >= 0; index--) work.push(edges[index]!.target);
    }
  };
  count(spec.root, 0);
  // Components of the document that the root does not reach are kept, as shared definitions.
  for (const component of spec.components.values()) {
    if (!uses.has(component)) count(component, 1);
  }

  const shared = firstSeen.filter((component) => component !== spec.root && uses.get(component)! > 1);
  const sharedIds = new Map<string, AgentSpecComponent>();
  for (const component of shared) {
    const other = sharedIds.get(component.id);
    if (other && other !== component) {
      throw new Error(`Two different components share the id "${component.id}"; ids must be unique`);
    }
    sharedIds.set(component.id, component);
  }
  const isShared = (component: AgentSpecComponent): boolean => sharedIds.get(component.id) === component;

  const output = write(spec.root, isShared);
  if (shared.length > 0) {
    const referenced: Record<string, unknown> = {};
    for (const component of shared) setOwn(referenced, component.id, write(component, isShared));
    output.$referenced_components = referenced;
  }
  output.agentspec_version = spec.version;
  return JSON.stringify(output, null, 2) + '\n';
}

/** One component as JSON: shared components it holds become references, others are inlined. */
function write(
  component: AgentSpecComponent,
  isShared: (component: AgentSpecComponent) => boolean,
): Record<string, unknown> {
  const fields = componentFieldsOf(component.component_type);
  const held = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const candidate = value as AgentSpecComponent;
    if (typeof candidate.component_type !== 'string' || Object.hasOwn(candidate, '$component_ref'))
      return value;
    return isShared(candidate) ? { $component_ref: candidate.id } : write(candidate, isShared);
  };
  const output: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(component)) {
    const field = fields[key];
    let written: unknown = value;
    if (field?.holds === 'one') written = held(value);
    else if (field && Array.isArray(value)) {
      written = value.map((item: unknown) =>
        field.holds === 'pairs' && Array.isArray(item) ? item.map((side: unknown) => held(side)) : held(item),
      );
    }
    setOwn(output, key, written);
  }
  return output;
}
