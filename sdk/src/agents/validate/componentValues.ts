import type { AgentSpecComponent, LoadedAgentSpec } from '../types.js';
import { appendPointer, comparePointers } from './jsonPointer.js';

/** A value inside a component, with its JSON pointer in the document and its keys below the component. */
export interface ComponentValue {
  value: unknown;
  pointer: string;
  /** Keys and indexes from the component to the value: `['data', 'user']`. */
  tokens: ReadonlyArray<string | number>;
}

/** Nesting below which values are not visited; the loader never lets a document this deep through. */
const MAX_DEPTH = 1000;

/**
 * True when `value` is one of the document's components (a resolved reference or a nested
 * definition) rather than plain data: such a value has its own place in the document.
 */
export function isComponent(spec: LoadedAgentSpec, value: unknown): value is AgentSpecComponent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && spec.components.get(id) === value;
}

/** Every component of the document, the root first, then in document order of where each is defined. */
export function componentsOf(spec: LoadedAgentSpec): AgentSpecComponent[] {
  const components = new Set<AgentSpecComponent>([spec.root, ...spec.components.values()]);
  return [...components].sort((a, b) => {
    if (a === spec.root) return -1;
    if (b === spec.root) return 1;
    return comparePointers(spec.pathOf(a), spec.pathOf(b));
  });
}

/**
 * Visits, depth first in document order, every value a component holds itself — not the values of
 * components it references or nests, which are visited as components of their own. Pointers name
 * where each value is written, below the component's own definition.
 */
export function forEachComponentValue(
  spec: LoadedAgentSpec,
  component: AgentSpecComponent,
  visit: (entry: ComponentValue) => void,
): void {
  const walk = (value: unknown, pointer: string, tokens: Array<string | number>): void => {
    if (tokens.length > 0 && isComponent(spec, value)) return;
    visit({ value, pointer, tokens });
    if (tokens.length >= MAX_DEPTH || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, appendPointer(pointer, index), [...tokens, index]));
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (tokens.length === 0 && key === '$referenced_components') continue;
      walk(item, appendPointer(pointer, key), [...tokens, key]);
    }
  };
  walk(component, spec.pathOf(component), []);
}
