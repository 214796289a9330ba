/**
 * Agent Spec's data-flow typing: an output may feed an input when the output's type is a subtype
 * of the input's, widened by the conversions the language accepts — anything converts to
 * `string`, `integer`/`number`/`boolean` convert into one another — applied recursively to array
 * items and to object properties both sides declare. A schema without a type accepts and produces
 * anything, so it never makes an edge incompatible: the validator only reports what is certain.
 */
export function isTypeCompatible(output: unknown, input: unknown, depth = 0): boolean {
  // Schemas nested this deep are beyond what authors write; stop rather than recurse forever.
  if (depth > 32) return true;
  const sources = alternativesOf(output);
  const targets = alternativesOf(input);
  if (sources === undefined || targets === undefined) return true;
  return sources.every((source) => targets.some((target) => isAlternativeCompatible(source, target, depth)));
}

interface Alternative {
  type: string;
  schema: Record<string, unknown>;
}

const NUMERIC = new Set(['integer', 'number', 'boolean']);

function isAlternativeCompatible(source: Alternative, target: Alternative, depth: number): boolean {
  if (target.type === 'string') return true;
  if (NUMERIC.has(source.type) && NUMERIC.has(target.type)) return true;
  if (source.type !== target.type) return false;
  if (source.type === 'array') {
    return (
      !('items' in source.schema) ||
      !('items' in target.schema) ||
      isTypeCompatible(source.schema.items, target.schema.items, depth + 1)
    );
  }
  if (source.type === 'object') {
    const sourceProperties = recordOf(source.schema.properties);
    const targetProperties = recordOf(target.schema.properties);
    return Object.keys(targetProperties).every(
      (name) =>
        !Object.hasOwn(sourceProperties, name) ||
        isTypeCompatible(sourceProperties[name], targetProperties[name], depth + 1),
    );
  }
  return true;
}

/** The concrete types a schema may take, or `undefined` when it does not constrain the type. */
function alternativesOf(schema: unknown): Alternative[] | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const record = schema as Record<string, unknown>;
  const union = Array.isArray(record.anyOf)
    ? record.anyOf
    : Array.isArray(record.oneOf)
      ? record.oneOf
      : null;
  if (union) {
    const alternatives: Alternative[] = [];
    for (const member of union) {
      const memberAlternatives = alternativesOf(member);
      if (memberAlternatives === undefined) return undefined;
      alternatives.push(...memberAlternatives);
    }
    return alternatives;
  }
  if (typeof record.type === 'string') return [{ type: record.type, schema: record }];
  if (Array.isArray(record.type) && record.type.every((type) => typeof type === 'string')) {
    return (record.type as string[]).map((type) => ({ type, schema: record }));
  }
  return undefined;
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
