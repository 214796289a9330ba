import type { AgentSpecIssue } from '../types.js';
import { componentsOf, forEachComponentValue } from './componentValues.js';
import { propertiesOf } from './flowGraph.js';
import { appendPointer } from './jsonPointer.js';
import { placeholderNames } from './placeholderNames.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

/** The ApiNode fields the runtime reads placeholders from, keys and values alike. */
const TEMPLATED_FIELDS = new Set(['url', 'http_method', 'api_spec_uri', 'data', 'query_params', 'headers']);

/**
 * The runtime infers an ApiNode's inputs from the bare `{{ name }}` placeholders of its request
 * and refuses the node unless that set equals the declared `inputs`. Filtered (`{{ x | tojson }}`)
 * and dotted (`{{ a.b }}`) expressions are invisible to it; the fix is a `{# … {{ x }} #}` hint.
 * All-caps placeholders (`{{CINATRA_BASE_URL}}`) are filled from the environment before that.
 */
export function checkApiPlaceholders({ spec }: ValidationContext): AgentSpecIssue[] {
  const issues: AgentSpecIssue[] = [];
  for (const node of componentsOf(spec)) {
    // Without declared inputs there is nothing to disagree with: the placeholders are the inputs.
    if (node.component_type !== 'ApiNode' || !Array.isArray(node.inputs)) continue;
    const used = new Map<string, string>();
    const collect = (text: string, pointer: string) => {
      for (const name of placeholderNames(text)) if (!used.has(name)) used.set(name, pointer);
    };
    forEachComponentValue(spec, node, ({ value, pointer, tokens }) => {
      if (!TEMPLATED_FIELDS.has(String(tokens[0]))) return;
      if (typeof value === 'string') collect(value, pointer);
      else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const key of Object.keys(value)) collect(key, appendPointer(pointer, key));
      }
    });
    const declared = propertiesOf(spec, node, 'inputs');
    const declaredNames = new Set(declared.map((property) => property.title));
    for (const [name, pointer] of used) {
      if (declaredNames.has(name)) continue;
      issues.push(
        issue(
          'api_placeholders_mismatch',
          pointer,
          `${describe(node)} uses {{ ${name} }} but declares no input "${name}".`,
        ),
      );
    }
    for (const property of declared) {
      if (used.has(property.title)) continue;
      issues.push(
        issue(
          'api_placeholders_mismatch',
          property.path,
          `${describe(node)} declares input "${property.title}" but no bare {{ ${property.title} }} placeholder uses it` +
            ` (filtered or dotted expressions do not count; add a {# {{ ${property.title} }} #} hint).`,
        ),
      );
    }
  }
  return issues;
}
