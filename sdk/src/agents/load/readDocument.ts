import type { AgentSpecIssue } from '../types.js';
import { parseCheckedJson, setOwn, type ParsedDocument } from './parseCheckedJson.js';
import { parseCheckedYaml } from './parseCheckedYaml.js';
import { childPointer } from './pointer.js';

export type DocumentFormat = 'json' | 'yaml' | 'auto';

/** Agent files are tens of kilobytes; anything near this is a mistake or an attack (and YAML parses at roughly 1 MB/s). */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
/** Nesting levels (objects and arrays) a document may have, as written and once resolved. */
export const DEFAULT_MAX_DEPTH = 200;
/**
 * `maxDepth` is clamped to this: consumers (and `JSON.stringify`) recurse over the loaded
 * structure, and V8's stack holds a few thousand levels at best.
 */
export const MAX_DEPTH_LIMIT = 1000;

export interface ReadDocumentOptions {
  format: DocumentFormat;
  origin: string | undefined;
  maxBytes: number;
  maxDepth: number;
}

/**
 * Turns the loader's input into plain JSON data (a tree: no shared or cyclic objects), or the
 * issues that prevent it. Size is checked before any parsing, depth while parsing.
 */
export function readDocument(
  content: string | Uint8Array | object,
  options: ReadDocumentOptions,
): ParsedDocument {
  if (content instanceof Uint8Array) {
    if (content.byteLength > options.maxBytes) return tooLarge(content.byteLength, options.maxBytes);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
    } catch {
      return {
        ok: false,
        issues: [{ code: 'invalid_encoding', path: '', message: 'The document is not valid UTF-8' }],
      };
    }
    return parseText(text, options);
  }
  if (typeof content === 'string') {
    // Every UTF-16 unit is at least one UTF-8 byte and at most three: measure only when needed.
    if (content.length > options.maxBytes) return tooLarge(content.length, options.maxBytes);
    if (content.length * 3 > options.maxBytes) {
      const bytes = Buffer.byteLength(content, 'utf8');
      if (bytes > options.maxBytes) return tooLarge(bytes, options.maxBytes);
    }
    return parseText(content.startsWith('\uFEFF') ? content.slice(1) : content, options);
  }
  if (content === null || typeof content !== 'object') {
    return {
      ok: false,
      issues: [
        {
          code: 'invalid_value',
          path: '',
          message: `Expected a string, bytes or an object, got ${typeof content}`,
        },
      ],
    };
  }
  return copyJsonTree(content, options.maxDepth, options.maxBytes);
}

function parseText(text: string, options: ReadDocumentOptions): ParsedDocument {
  const format = options.format === 'auto' ? detectFormat(text, options.origin) : options.format;
  if (format === 'json') return parseCheckedJson(text, options.maxDepth);
  const parsed = parseCheckedYaml(text, options.maxDepth);
  // YAML aliases share objects; copy into a tree and check what YAML can hold but JSON cannot.
  return parsed.ok ? copyJsonTree(parsed.value, options.maxDepth, options.maxBytes) : parsed;
}

function detectFormat(text: string, origin: string | undefined): 'json' | 'yaml' {
  const extension = origin?.toLowerCase().match(/\.(json|ya?ml)$/)?.[1];
  if (extension) return extension === 'json' ? 'json' : 'yaml';
  const first = text.trimStart()[0];
  return first === '{' || first === '[' ? 'json' : 'yaml';
}

function tooLarge(size: number, maxBytes: number): ParsedDocument {
  return {
    ok: false,
    issues: [
      { code: 'too_large', path: '', message: `The document has ${size} bytes; the limit is ${maxBytes}` },
    ],
  };
}

/**
 * Copies a JS value into fresh JSON data, iteratively: depth is bounded by `maxDepth`, the
 * number of values by `maxValues` (so cycles and alias bombs end quickly), and anything JSON
 * cannot represent is reported.
 */
function copyJsonTree(source: unknown, maxDepth: number, maxValues: number): ParsedDocument {
  const issues: AgentSpecIssue[] = [];
  let values = 0;
  const root: { value?: unknown } = {};
  const work: Array<{ value: unknown; path: string; depth: number; assign: (copy: unknown) => void }> = [
    { value: source, path: '', depth: 0, assign: (copy) => (root.value = copy) },
  ];
  while (work.length > 0) {
    const { value, path, depth, assign } = work.pop()!;
    if (++values > maxValues) {
      return {
        ok: false,
        issues: [{ code: 'too_large', path, message: `The document has more than ${maxValues} values` }],
      };
    }
    if (value === null || typeof value === 'string' || typeof value === 'boolean') {
      assign(value);
      continue;
    }
    if (typeof value === 'number') {
      if (Number.isFinite(value)) assign(value);
      else issues.push({ code: 'invalid_value', path, message: `${value} has no JSON form` });
      continue;
    }
    if (typeof value !== 'object') {
      issues.push({ code: 'invalid_value', path, message: `A ${typeof value} has no JSON form` });
      continue;
    }
    if (depth + 1 > maxDepth) {
      return {
        ok: false,
        issues: [{ code: 'too_deep', path, message: `The document nests deeper than ${maxDepth} levels` }],
      };
    }
    if (Array.isArray(value)) {
      const copy: unknown[] = new Array<unknown>(value.length);
      assign(copy);
      for (let index = value.length - 1; index >= 0; index--) {
        work.push({
          value: value[index],
          path: childPointer(path, index),
          depth: depth + 1,
          assign: (item) => (copy[index] = item),
        });
      }
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      issues.push({ code: 'invalid_value', path, message: 'Only plain objects and arrays have a JSON form' });
      continue;
    }
    const copy: Record<string, unknown> = {};
    assign(copy);
    // Like JSON.stringify, a property whose value is undefined is left out.
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, item] = entries[index]!;
      work.push({
        value: item,
        path: childPointer(path, key),
        depth: depth + 1,
        assign: (child) => setOwn(copy, key, child),
      });
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: root.value };
}
