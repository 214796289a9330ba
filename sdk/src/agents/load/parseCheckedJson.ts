import type { AgentSpecIssue } from '../types.js';
import { pointerOf } from './pointer.js';

export type ParsedDocument = { ok: true; value: unknown } | { ok: false; issues: AgentSpecIssue[] };

type Frame =
  | { kind: 'object'; container: Record<string, unknown>; key: string }
  | { kind: 'array'; container: unknown[] };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Parses JSON (RFC 8259) like `JSON.parse`, except that a repeated key in an object is an
 * issue (`duplicate_key`, every one reported) instead of silently keeping the last value, and
 * nesting deeper than `maxDepth` stops the parse with `too_deep`. The parser keeps its own
 * stack, so no input can overflow the call stack.
 */
export function parseCheckedJson(text: string, maxDepth: number): ParsedDocument {
  const issues: AgentSpecIssue[] = [];
  const stack: Frame[] = [];
  let pos = 0;

  const path = (): string =>
    pointerOf(stack.map((frame) => (frame.kind === 'object' ? frame.key : frame.container.length)));

  const fail = (message: string): ParsedDocument => {
    const { line, column } = lineAndColumn(text, pos);
    issues.push({
      code: 'invalid_json',
      path: path(),
      message: `${message} at line ${line}, column ${column}`,
    });
    return { ok: false, issues };
  };

  const skipWhitespace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };

  /** Reads a string token starting at `pos` (on its opening quote); undefined when malformed. */
  const readString = (): string | undefined => {
    const start = pos;
    let escaped = false;
    pos++;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (Number.isNaN(c) || c < 0x20) return undefined;
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        pos += 2;
        continue;
      }
      pos++;
    }
    pos++;
    if (!escaped) return text.slice(start + 1, pos - 1);
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      pos = start;
      return undefined;
    }
  };

  const describe = (): string =>
    pos >= text.length ? 'Unexpected end of input' : `Unexpected character ${JSON.stringify(text[pos])}`;

  /** After `{` or `,` inside an object: reads `"key":`, leaving `pos` on the value. */
  const readKey = (frame: Frame & { kind: 'object' }): boolean => {
    skipWhitespace();
    if (text.charCodeAt(pos) !== 0x22) return false;
    const key = readString();
    if (key === undefined) return false;
    skipWhitespace();
    if (text.charCodeAt(pos) !== 0x3a) return false;
    pos++;
    frame.key = key;
    return true;
  };

  const open = (frame: Frame): ParsedDocument | undefined => {
    stack.push(frame);
    if (stack.length > maxDepth) {
      issues.push({
        code: 'too_deep',
        path: pointerOf(stack.slice(0, -1).map((f) => (f.kind === 'object' ? f.key : f.container.length))),
        message: `The document nests deeper than ${maxDepth} levels`,
      });
      return { ok: false, issues };
    }
    return undefined;
  };

  for (;;) {
    skipWhitespace();
    let value: unknown;
    const c = text.charCodeAt(pos);
    if (c === 0x7b) {
      pos++;
      skipWhitespace();
      if (text.charCodeAt(pos) === 0x7d) {
        pos++;
        value = {};
      } else {
        const frame = { kind: 'object' as const, container: {}, key: '' };
        const stop = open(frame);
        if (stop) return stop;
        if (!readKey(frame)) return fail(`${describe()} where an object key was expected`);
        continue;
      }
    } else if (c === 0x5b) {
      pos++;
      skipWhitespace();
      if (text.charCodeAt(pos) === 0x5d) {
        pos++;
        value = [];
      } else {
        const stop = open({ kind: 'array', container: [] });
        if (stop) return stop;
        continue;
      }
    } else if (c === 0x22) {
      value = readString();
      if (value === undefined) return fail('Unterminated or malformed string');
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = pos;
      const match = NUMBER.exec(text);
      if (!match) return fail(describe());
      pos += match[0].length;
      value = Number(match[0]);
    } else if (text.startsWith('true', pos)) {
      pos += 4;
      value = true;
    } else if (text.startsWith('false', pos)) {
      pos += 5;
      value = false;
    } else if (text.startsWith('null', pos)) {
      pos += 4;
      value = null;
    } else {
      return fail(describe());
    }

    // Attach the finished value to its container, then close containers until one continues.
    for (;;) {
      const frame = stack.at(-1);
      if (!frame) {
        skipWhitespace();
        if (pos < text.length) return fail(`${describe()} after the end of the document`);
        return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
      }
      if (frame.kind === 'object') {
        if (Object.hasOwn(frame.container, frame.key)) {
          issues.push({
            code: 'duplicate_key',
            path: path(),
            message: `Key ${JSON.stringify(frame.key)} appears more than once in the same object`,
          });
        }
        setOwn(frame.container, frame.key, value);
      } else {
        frame.container.push(value);
      }
      skipWhitespace();
      const next = text.charCodeAt(pos);
      if (next === 0x2c) {
        pos++;
        if (frame.kind === 'object' && !readKey(frame)) {
          return fail(`${describe()} where an object key was expected`);
        }
        break;
      }
      if ((frame.kind === 'object' && next === 0x7d) || (frame.kind === 'array' && next === 0x5d)) {
        pos++;
        stack.pop();
        value = frame.container;
        continue;
      }
      return fail(`${describe()} where "," or "${frame.kind === 'object' ? '}' : ']'}" was expected`);
    }
  }
}

/** Sets an own property even for `__proto__`, as `JSON.parse` does. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (
    let index = text.indexOf('\n');
    index !== -1 && index < offset;
    index = text.indexOf('\n', index + 1)
  ) {
    line++;
    lineStart = index + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
