import type { AgentSpecIssue } from '../types.js';
import { componentsOf } from './componentValues.js';
import { propertiesOf } from './flowGraph.js';
import { appendPointer } from './jsonPointer.js';
import { describe, issue, type ValidationContext } from './ValidationContext.js';

/**
 * The runtime builds a float property for `"type": "number"` and refuses an integer default for
 * it (`5`, though `5.0` is accepted). Applies to the inputs and outputs of every component.
 */
export function checkNumberDefaults({ spec, floatLiterals }: ValidationContext): AgentSpecIssue[] {
  const issues: AgentSpecIssue[] = [];
  for (const component of componentsOf(spec)) {
    for (const side of ['inputs', 'outputs'] as const) {
      for (const property of propertiesOf(spec, component, side)) {
        const value = property.schema.default;
        const pointer = appendPointer(property.path, 'default');
        if (property.schema.type !== 'number' || !Number.isInteger(value) || floatLiterals.has(pointer))
          continue;
        issues.push(
          issue(
            'integer_default_for_number',
            pointer,
            `${side === 'inputs' ? 'Input' : 'Output'} "${property.title}" of ${describe(component)} is typed number with the integer default ${String(value)}; declare it "integer".`,
          ),
        );
      }
    }
  }
  return issues;
}
