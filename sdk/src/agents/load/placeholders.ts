import type { AgentSpecComponent, AgentSpecProperty } from '../types.js';
import { AGENTSPEC_COMPONENT_TYPES } from './componentTypes.js';

/**
 * Python's `\s` for `str` patterns (what `str.isspace()` accepts). JavaScript's `\s` differs: it
 * has U+FEFF and lacks U+001C–U+001F and U+0085.
 */
const PYTHON_SPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Python's `\w` for `str` patterns: characters `str.isalnum()` accepts, and `_`. */
const PYTHON_WORD = '\\p{L}\\p{N}_';

/**
 * The spec's placeholder pattern, `{{\s*(\w+)\s*}}` with Python's Unicode semantics. It is not
 * Jinja: `{{ x | tojson }}` (a filter) and `{{ obj.field }}` (a dotted path) do not match, so
 * such names are not inferred inputs. A Jinja comment such as
 * `{# {{ seedUrls }} #}` makes a name visible to it without rendering anything.
 */
export const AGENTSPEC_PLACEHOLDER_PATTERN = new RegExp(
  `\\{\\{[${PYTHON_SPACE}]*([${PYTHON_WORD}]+)[${PYTHON_SPACE}]*\\}\\}`,
  'gu',
);

/** The distinct placeholder names in a template, in order of first appearance. */
export function placeholdersOf(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(AGENTSPEC_PLACEHOLDER_PATTERN)) names.add(match[1]!);
  return [...names];
}

/**
 * The distinct placeholder names anywhere in a JSON value: in strings, in object keys and
 * values, and in list items, as the spec searches structured fields such as ApiNode `data` and
 * `headers`. Order of first appearance (keys before values).
 */
export function placeholdersIn(value: unknown): string[] {
  const names = new Set<string>();
  const work: unknown[] = [value];
  while (work.length > 0) {
    const item = work.pop();
    if (typeof item === 'string') {
      for (const name of placeholdersOf(item)) names.add(name);
    } else if (Array.isArray(item)) {
      for (let index = item.length - 1; index >= 0; index--) work.push(item[index]);
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      for (let index = entries.length - 1; index >= 0; index--) work.push(entries[index]![1]);
      for (let index = entries.length - 1; index >= 0; index--) work.push(entries[index]![0]);
    }
  }
  return [...names];
}

/**
 * The inputs the spec infers for a component from the placeholders of its templated fields
 * (LlmNode `prompt_template`, Agent `system_prompt`, ApiNode/RemoteTool `url`, `http_method`,
 * `api_spec_uri`, `data`, `query_params`, `headers`, Input/OutputMessageNode `message`): one
 * string property per distinct name. `undefined` for component types whose inputs are not
 * inferred from placeholders.
 *
 * When a component declares `inputs`, the spec requires their titles to be exactly this set
 * (types may be refined); when it does not, these are its inputs.
 */
export function inferredInputs(component: AgentSpecComponent): AgentSpecProperty[] | undefined {
  const fields = AGENTSPEC_COMPONENT_TYPES[component.component_type]?.placeholderFields;
  if (!fields) return undefined;
  const names = new Set<string>();
  for (const field of fields) {
    for (const name of placeholdersIn(component[field])) names.add(name);
  }
  return [...names].map((title) => ({ title, type: 'string' }));
}

/**
 * The outputs the spec gives a node that declares none: LlmNode `generated_text` (string),
 * ApiNode `response` (untyped), InputMessageNode `user_input` (string), OutputMessageNode none.
 * `undefined` for other component types.
 */
export function inferredOutputs(component: AgentSpecComponent): AgentSpecProperty[] | undefined {
  switch (component.component_type) {
    case 'LlmNode':
      return [{ title: 'generated_text', type: 'string' }];
    case 'ApiNode':
      return [{ title: 'response' }];
    case 'InputMessageNode':
      return [{ title: 'user_input', type: 'string' }];
    case 'OutputMessageNode':
      return [];
    default:
      return undefined;
  }
}
