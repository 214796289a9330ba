import type { LoadedAgentSpec } from '../types.js';
import { propertiesOf, type AgentSpecFlows } from '../validate/flowGraph.js';
import { appendPointer } from '../validate/jsonPointer.js';
import { startInputListsOf } from './checkStartInputs.js';
import { finding, type ReviewFinding } from './ReviewFinding.js';

/** The catalog and tool listings show this much of a description. */
export const MAX_DESCRIPTION_LENGTH = 200;

/**
 * Suggestions for what callers read: the agent's description (present, and short enough for
 * catalogs and MCP tool listings) and a description for every input they fill in.
 */
export function adviseDescriptions(
  spec: LoadedAgentSpec,
  flows: AgentSpecFlows,
  file: string,
): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  const rootPath = spec.pathOf(spec.root);
  const description = typeof spec.root.description === 'string' ? spec.root.description.trim() : '';
  if (description === '') {
    findings.push(
      finding(
        'missing_description',
        file,
        rootPath,
        'The agent has no description; catalogs and tool listings show it.',
      ),
    );
  } else if (description.length > MAX_DESCRIPTION_LENGTH) {
    findings.push(
      finding(
        'description_too_long',
        file,
        appendPointer(rootPath, 'description'),
        `The description has ${description.length} characters; keep it under ${MAX_DESCRIPTION_LENGTH}, listings cut the rest.`,
      ),
    );
  }
  const start = flows.graphs.find((graph) => graph.flow === spec.root)?.start;
  if (!start) return findings;
  const { hidden } = startInputListsOf(start);
  for (const input of propertiesOf(spec, start, 'inputs')) {
    const text = input.schema.description;
    if (hidden.has(input.title) || (typeof text === 'string' && text.trim() !== '')) continue;
    findings.push(
      finding(
        'input_missing_description',
        file,
        input.path,
        `Input "${input.title}" has no description; callers see it in the input schema.`,
      ),
    );
  }
  return findings;
}
