/**
 * A small value that satisfies a JSON Schema, built the same way every time: the answer of the
 * scripted provider's fallback when a request asks for structured output no rule answers. It
 * covers what structured-output schemas use (`type`, `properties` + `required`, `items` +
 * `minItems`, `enum`, `const`, `anyOf`/`oneOf`, `minimum`, `minLength`, `$ref` to `$defs`); a
 * string property is `text` (the last user message) when given.
 */
export function exampleOfSchema(schema: unknown, text = '', root: unknown = schema, depth = 0): unknown {
  if (typeof schema !== 'object' || schema === null || depth > 16) return null;
  const node = schema as Record<string, unknown>;
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if (typeof node.$ref === 'string')
    return exampleOfSchema(resolveRef(root, node.$ref), text, root, depth + 1);
  const alternatives = (node.anyOf ?? node.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    return exampleOfSchema(alternatives[0], text, root, depth + 1);
  }
  const type = Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type;
  switch (type) {
    case 'object': {
      const properties = (node.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(node.required) ? (node.required as string[]) : Object.keys(properties);
      return Object.fromEntries(
        required.map((name) => [name, exampleOfSchema(properties[name] ?? {}, text, root, depth + 1)]),
      );
    }
    case 'array': {
      const count = typeof node.minItems === 'number' ? node.minItems : 0;
      return Array.from({ length: count }, () => exampleOfSchema(node.items ?? {}, text, root, depth + 1));
    }
    case 'string': {
      const minLength = typeof node.minLength === 'number' ? node.minLength : 0;
      return text.length >= minLength ? text : text.padEnd(minLength, '.');
    }
    case 'integer':
    case 'number':
      return typeof node.minimum === 'number' ? Math.ceil(node.minimum) : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return node.properties ? exampleOfSchema({ ...node, type: 'object' }, text, root, depth + 1) : null;
  }
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return {};
  let node: unknown = root;
  for (const segment of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[
      segment.replaceAll('~1', '/').replaceAll('~0', '~')
    ];
  }
  return node ?? {};
}
