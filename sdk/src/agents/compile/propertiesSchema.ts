import type { AgentSpecProperty } from '../types.js';
import type { ObjectJsonSchema } from './CompiledAgent.js';

/**
 * The object schema whose properties are the given Agent Spec properties: each is already a
 * JSON Schema, keyed by its `title`. Required are the properties named in `required` when it
 * is given, else those without a `default`.
 */
export function propertiesSchema(
  properties: readonly AgentSpecProperty[],
  required?: readonly string[],
): ObjectJsonSchema {
  const isRequired = (property: AgentSpecProperty) =>
    required ? required.includes(property.title) : !('default' in property);
  return {
    type: 'object',
    properties: Object.fromEntries(properties.map((property) => [property.title, structuredClone(property)])),
    required: properties.filter(isRequired).map((property) => property.title),
    additionalProperties: false,
  };
}
