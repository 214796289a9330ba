import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { AgentSpecIssue } from '../types.js';
import type { ParsedDocument } from './parseCheckedJson.js';
import { pointerOf } from './pointer.js';

/** `yaml` reports a stack overflow in its composer as resource exhaustion: nesting too deep. */
const YAML_ERROR_CODES: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'duplicate_key',
  RESOURCE_EXHAUSTION: 'too_deep',
};

/** Aliases may repeat a node this many times before the document counts as an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses one YAML 1.2 document (core schema, so JSON is read the same way) with repeated keys
 * reported as `duplicate_key`. The result may share objects where the YAML uses aliases; the
 * caller copies it into a tree. A cheap scan rejects pathologically deep nesting before the
 * `yaml` package, whose composer recurses, ever sees it.
 */
export function parseCheckedYaml(text: string, maxDepth: number): ParsedDocument {
  // Twice the limit: the estimate is coarse, and the exact check follows on the parsed value.
  if (estimateYamlDepth(text) > 2 * maxDepth) {
    return {
      ok: false,
      issues: [{ code: 'too_deep', path: '', message: `The document nests deeper than ${maxDepth} levels` }],
    };
  }
  const document = parseDocument(text, {
    uniqueKeys: true,
    schema: 'core',
    merge: false,
    prettyErrors: true,
  });
  if (document.errors.length > 0) {
    const issues: AgentSpecIssue[] = document.errors.map((error) => ({
      code: YAML_ERROR_CODES[error.code] ?? 'invalid_yaml',
      path: pathAt(document.contents, error.pos[0]),
      message: error.message.split('\n')[0] ?? error.message,
    }));
    return { ok: false, issues };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    return {
      ok: false,
      issues: [
        { code: 'invalid_yaml', path: '', message: error instanceof Error ? error.message : String(error) },
      ],
    };
  }
}

/**
 * A coarse estimate of YAML nesting: open flow brackets plus the block indentation levels in
 * force (compact `- - x` entries included), outside quoted scalars and comments. It only keeps
 * absurd input away from the parser, so it may be off either way for ordinary documents (a
 * block scalar's indented lines count); the parsed value's real depth is checked afterwards.
 */
function estimateYamlDepth(text: string): number {
  const indents: number[] = [];
  let flow = 0;
  let deepest = 0;
  let atLineStart = true;
  let indent = 0;
  let quote = 0;
  /** The last character that was not a space on this line, 0 at the start of a line. */
  let last = 0;
  for (let pos = 0; pos < text.length; pos++) {
    const c = text.charCodeAt(pos);
    if (quote !== 0) {
      if (c === 0x5c && quote === 0x22) pos++;
      else if (c === quote) quote = 0;
      continue;
    }
    if (c === 0x0a) {
      atLineStart = true;
      indent = 0;
      last = 0;
      continue;
    }
    if (atLineStart) {
      if (c === 0x20) {
        indent++;
        continue;
      }
      if (flow === 0 && c !== 0x23 && c !== 0x0d) {
        while (indents.length > 0 && indents.at(-1)! >= indent) indents.pop();
        indents.push(indent);
        // `- - - x`: every compact sequence entry opens one more level on the same line.
        if (c === 0x2d && text.charCodeAt(pos + 1) === 0x20) {
          indent += 2;
          pos++;
          deepest = Math.max(deepest, indents.length);
          continue;
        }
      }
      atLineStart = false;
    }
    if (c === 0x23 && (last === 0 || isSpace(text.charCodeAt(pos - 1)))) {
      const end = text.indexOf('\n', pos);
      pos = end === -1 ? text.length : end - 1;
      continue;
    }
    if ((c === 0x22 || c === 0x27) && (last === 0 || STARTS_VALUE.has(last))) quote = c;
    else if (c === 0x5b || c === 0x7b) flow++;
    else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
    if (!isSpace(c)) last = c;
    deepest = Math.max(deepest, flow + indents.length);
  }
  return deepest;
}

/** Characters after which a quote opens a quoted scalar: `:` `,` `[` `{` `-` `?`. */
const STARTS_VALUE = new Set([0x3a, 0x2c, 0x5b, 0x7b, 0x2d, 0x3f]);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The JSON pointer of the deepest node whose source range contains `offset`. */
function pathAt(root: YamlNode | null, offset: number): string {
  const tokens: Array<string | number> = [];
  let node: unknown = root;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const keyRange = isScalar(item.key) ? item.key.range : undefined;
        const valueRange = (item.value as YamlNode | null)?.range;
        const start = keyRange?.[0] ?? valueRange?.[0];
        const end = valueRange?.[2] ?? keyRange?.[2];
        return start !== undefined && end !== undefined && offset >= start && offset <= end;
      });
      if (!pair || !isPair(pair)) break;
      tokens.push(isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
      const keyRange = isScalar(pair.key) ? pair.key.range : undefined;
      if (keyRange && offset <= keyRange[2]) break;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const range = (item as YamlNode | null)?.range;
        return range != null && offset >= range[0] && offset <= range[2];
      });
      if (index === -1) break;
      tokens.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return pointerOf(tokens);
}
