import type { AgentSpecIssue } from '../agents/types.js';
import type { ReviewFinding } from '../agents/review/ReviewFinding.js';
import type {
  ApprovalStep,
  CompiledAgent,
  CompiledPlanStep,
  ObjectJsonSchema,
} from '../agents/compile/CompiledAgent.js';

/** How `cinatra-ext agents …` shows results to a person (`--json` prints the values instead). */

export function issueLines(issues: readonly AgentSpecIssue[], where?: string): string[] {
  return issues.map((issue) => `  ${issue.code} ${where ?? ''}${issue.path || '/'}: ${issue.message}`);
}

export function findingLines(findings: readonly ReviewFinding[]): string[] {
  return findings.map(
    (finding) =>
      `  ${finding.severity} ${finding.code} ${finding.file}${finding.path ? ` ${finding.path}` : ''}: ${finding.message}`,
  );
}

export const plural = (count: number, noun: string, nouns = `${noun}s`) =>
  `${count} ${count === 1 ? noun : nouns}`;

/** A compiled agent as a person reads it: schemas in one line each, the plan as a tree, the pauses. */
export function compiledLines(compiled: CompiledAgent): string[] {
  const pauses = new Map(compiled.approvalPolicy.steps.map((pause) => [pause.step, pause]));
  const identity = compiled.packageName
    ? ` as ${compiled.packageName}@${compiled.packageVersion ?? '?'}`
    : '';
  const lines = [
    `${compiled.name}${identity} (${compiled.type}, Agent Spec ${compiled.agentSpecVersion})`,
    `Inputs:  ${schemaLine(compiled.inputSchema)}`,
    `Outputs: ${schemaLine(compiled.outputSchema)}`,
    'Plan:',
    ...planLines(compiled.plan, pauses, 1),
    compiled.approvalPolicy.steps.length === 0 ? 'Pauses for a person: none' : 'Pauses for a person:',
    ...compiled.approvalPolicy.steps.map((pause) => `  ${pauseLine(pause)}`),
  ];
  if (compiled.agentDependencies.length > 0)
    lines.push(`Runs sub-agents: ${compiled.agentDependencies.join(', ')}`);
  return lines;
}

function schemaLine(schema: ObjectJsonSchema): string {
  const names = Object.entries(schema.properties).map(([name, property]) => {
    const type = Array.isArray(property.type) ? property.type.join('|') : (property.type ?? 'any');
    return `${name} (${type}${schema.required.includes(name) ? ', required' : ''})`;
  });
  return names.length > 0 ? names.join(', ') : 'none';
}

function planLines(
  steps: readonly CompiledPlanStep[],
  pauses: ReadonlyMap<string, ApprovalStep>,
  depth: number,
): string[] {
  const indent = '  '.repeat(depth);
  return steps.flatMap((step) => {
    const what = [step.componentType, step.childAgent?.packageName].filter(Boolean).join(', ');
    const pause = pauses.get(step.step);
    const line = `${indent}${step.step.padEnd(6)} ${step.name} (${what})${nextText(step)}${pause ? `  [pauses: ${pause.reason}]` : ''}`;
    const inner = [
      ...(step.subflow ? planLines(step.subflow.steps, pauses, depth + 1) : []),
      ...(step.parallel ?? []).flatMap((flow, i) => [
        `${indent}  in parallel, flow ${i + 1}: ${flow.name}`,
        ...planLines(flow.steps, pauses, depth + 2),
      ]),
    ];
    return [line, ...inner];
  });
}

function nextText(step: CompiledPlanStep): string {
  if (step.exitBranch !== undefined)
    return step.exitBranch === 'next' ? ' → finish' : ` → finish (${step.exitBranch})`;
  if (step.next.length === 0) return '';
  if (step.next.length === 1 && step.next[0]!.branch === 'next') return ` → ${step.next[0]!.step}`;
  return ` → ${step.next.map((next) => `${next.branch}: ${next.step}`).join(', ')}`;
}

function pauseLine(pause: ApprovalStep): string {
  const details = [
    pause.reason,
    pause.renderer ? `screen ${pause.renderer}` : 'default form',
    pause.childAgent
      ? `handled by ${pause.hitlOwnedBy === 'childAgent' ? pause.childAgent : 'this agent'}`
      : null,
    pause.riskClass ? `risk ${pause.riskClass}` : null,
  ].filter(Boolean);
  return `${pause.step.padEnd(6)} ${pause.name}: ${details.join(', ')}`;
}
