import type { LoadedAgentSpec } from '../types.js';
import { componentsOf, forEachComponentValue } from '../validate/componentValues.js';
import { appendPointer } from '../validate/jsonPointer.js';
import { findCredentials } from './findCredentials.js';
import { finding, type ReviewFinding } from './ReviewFinding.js';

/** Fields that name things rather than hold configuration; random-looking ids are expected there. */
const IDENTITY_FIELDS = new Set(['id', 'component_type', 'agentspec_version', '$component_ref']);

/**
 * Literal credentials anywhere a component holds text — prompts, request bodies, headers, query
 * parameters, tool and LLM configuration, metadata. The message names the kind of credential and
 * at most its well-known prefix: a review is printed and logged, the secret must not be.
 */
export function scanDocumentCredentials(spec: LoadedAgentSpec, file: string): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  for (const component of componentsOf(spec)) {
    forEachComponentValue(spec, component, ({ value, pointer, tokens }) => {
      if (typeof value !== 'string' || IDENTITY_FIELDS.has(String(tokens.at(-1)))) return;
      findings.push(...credentialFindings(value, file, pointer));
    });
  }
  return findings;
}

/**
 * Literal credentials in a file next to the document: JSON (a `.json` file, or an already parsed
 * value) value by value with JSON pointers, any other text line by line.
 */
export function scanFileCredentials(file: string, content: unknown): ReviewFinding[] {
  let tree = content;
  if (typeof content === 'string') {
    if (!/\.json$/i.test(file)) return scanLines(file, content);
    try {
      tree = JSON.parse(content) as unknown;
    } catch {
      return scanLines(file, content);
    }
  }
  const findings: ReviewFinding[] = [];
  // A caller's parsed value may share or even cycle through objects; each is scanned once.
  const seen = new Set<object>();
  const work: Array<{ value: unknown; pointer: string }> = [{ value: tree, pointer: '' }];
  for (let item = work.pop(); item; item = work.pop()) {
    const { value, pointer } = item;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) continue;
      seen.add(value);
    }
    if (typeof value === 'string') findings.push(...credentialFindings(value, file, pointer));
    else if (Array.isArray(value)) {
      value.forEach((child, index) => work.push({ value: child, pointer: appendPointer(pointer, index) }));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value))
        work.push({ value: child, pointer: appendPointer(pointer, key) });
    }
  }
  return findings;
}

function scanLines(file: string, text: string): ReviewFinding[] {
  return text.split('\n').flatMap((line, index) => credentialFindings(line, file, `#L${index + 1}`));
}

function credentialFindings(text: string, file: string, path: string): ReviewFinding[] {
  return findCredentials(text).map((match) =>
    finding(
      'literal_credential',
      file,
      path,
      `A literal ${match.kind} (${match.redacted}); reference a secret or an input instead, e.g. {{ API_KEY }}.`,
    ),
  );
}
