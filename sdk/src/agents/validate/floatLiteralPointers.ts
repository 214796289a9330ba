import { appendPointer } from './jsonPointer.js';

/** Marks a number written with a fraction or exponent while the text is re-read. */
class FloatLiteral {
  constructor(readonly value: number) {}
}

/**
 * Pointers of the numbers a JSON text writes with a fraction or exponent (`5.0`, `2e3`). Parsed,
 * `5.0` is the integer 5; a Python reader keeps it a float, so rules about integer values need
 * the text. Returns an empty set for anything that is not JSON text: an object has no literals,
 * and YAML is read as written by the loader alone.
 */
export function floatLiteralPointers(content: string | Uint8Array | object): Set<string> {
  const pointers = new Set<string>();
  const text =
    typeof content === 'string' ? content : content instanceof Uint8Array ? decode(content) : undefined;
  if (text === undefined || !/^\s*[{[]/.test(text.replace(/^\uFEFF/, ''))) return pointers;
  let tree: unknown;
  try {
    // The third reviver argument (the literal's source text) is available from Node 21 on.
    tree = JSON.parse(text.replace(/^\uFEFF/, ''), (_key, value: unknown, context?: { source?: string }) =>
      typeof value === 'number' && context?.source !== undefined && /[.eE]/.test(context.source)
        ? new FloatLiteral(value)
        : value,
    );
  } catch {
    return pointers;
  }
  const work: Array<{ value: unknown; pointer: string }> = [{ value: tree, pointer: '' }];
  for (let item = work.pop(); item; item = work.pop()) {
    const { value, pointer } = item;
    if (value instanceof FloatLiteral) pointers.add(pointer);
    else if (Array.isArray(value))
      value.forEach((child, index) => work.push({ value: child, pointer: appendPointer(pointer, index) }));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value))
        work.push({ value: child, pointer: appendPointer(pointer, key) });
    }
  }
  return pointers;
}

function decode(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
