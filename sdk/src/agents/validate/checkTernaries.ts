import type { AgentSpecIssue } from '../types.js';
import { componentsOf, forEachComponentValue } from './componentValues.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

const EXPRESSION = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
const STRING_LITERAL = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g;
const TERNARY = /\?[\s\S]*:/;

/**
 * `{{ title ? 'A' : 'B' }}` is not Jinja: rendering fails, and the names in it are invisible to the
 * placeholder pattern. Jinja has no `?` operator, so one outside a string literal, followed by a
 * `:`, is a JavaScript ternary. Metadata is not rendered and is not checked.
 */
export function checkTernaries({ spec }: ValidationContext): AgentSpecIssue[] {
  const issues: AgentSpecIssue[] = [];
  for (const component of componentsOf(spec)) {
    forEachComponentValue(spec, component, ({ value, pointer, tokens }) => {
      if (typeof value !== 'string' || tokens[0] === 'metadata') return;
      for (const match of value.matchAll(EXPRESSION)) {
        const expression = match[1] ?? match[2] ?? '';
        if (!TERNARY.test(expression.replace(STRING_LITERAL, "''"))) continue;
        issues.push(
          issue(
            'ternary_in_placeholder',
            pointer,
            `${describe(component)} renders ${match[0].trim()}, a JavaScript-style ternary; write {{ a if condition else b }}.`,
          ),
        );
        break;
      }
    });
  }
  return issues;
}
