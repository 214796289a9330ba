import type { AgentSpecComponent } from '../types.js';

/** A component's `metadata.cinatra` object, or an empty one when it has none. */
export function cinatraMetadata(component: AgentSpecComponent): Record<string, unknown> {
  const cinatra = component.metadata?.cinatra;
  return isRecord(cinatra) ? cinatra : {};
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isComponent(value: unknown): value is AgentSpecComponent {
  return isRecord(value) && typeof value.component_type === 'string' && typeof value.id === 'string';
}

/** The string entries of a metadata list (`hitlScreens`, `sideEffects`); anything else is ignored. */
export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}
