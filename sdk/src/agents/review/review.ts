import { loadAgentSpec, type LoadAgentSpecOptions } from '../load/loadAgentSpec.js';
import { AgentSpecLoadError, type LoadedAgentSpec } from '../types.js';
import { flowsOf } from '../validate/flowGraph.js';
import { adviseDescriptions } from './adviseDescriptions.js';
import { checkLicense, checkPackageDrift, PACKAGE_JSON, readPackageJson } from './checkPackageJson.js';
import { checkStartInputs } from './checkStartInputs.js';
import { checkUrls } from './checkUrls.js';
import { compareFindings, finding, type ReviewFinding } from './ReviewFinding.js';
import { scanDocumentCredentials, scanFileCredentials } from './scanCredentials.js';

export interface ReviewOptions {
  /**
   * `deterministic`: blockers and warnings only, the gate before a publish. `advisory`: the same,
   * plus suggestions (advisories); it never adds a blocker or a warning.
   */
  mode: 'deterministic' | 'advisory';
  /**
   * External hosts this instance lets agents call (`api.example.com`, `*.example.com`). URLs
   * built on `{{CINATRA_BASE_URL}}` (or any all-caps environment placeholder) and relative URLs
   * are the instance itself and always allowed.
   */
  allowedHosts?: readonly string[];
  /** The agent's package.json, parsed or as text; defaults to `siblingFiles['package.json']`. */
  packageJson?: unknown;
  /** Other files of the package by path (SKILL.md, cinatra.json, …), scanned for credentials. */
  siblingFiles?: Readonly<Record<string, string>>;
  /** Name findings in the document carry as their `file`; default `oas.json`. */
  documentName?: string;
  /** Passed to the loader (format, size and depth limits, supplied components). */
  load?: LoadAgentSpecOptions;
}

/** Findings by severity, each list in a fixed order: identical input gives byte-identical output. */
export interface AgentSpecReview {
  blockers: ReviewFinding[];
  warnings: ReviewFinding[];
  advisories: ReviewFinding[];
}

/**
 * The review lint of an agent package: literal credentials (in the document, package.json and
 * sibling files), URLs leaving the instance, package.json license and identity drift, StartNode
 * inputs neither required nor hidden, and in advisory mode suggestions. A pure function of its
 * input — no clock, no randomness, no network — so a re-run on the same bytes reproduces the
 * same verdict, and CI and the authoring flow agree.
 */
export function review(content: string | Uint8Array | object, options: ReviewOptions): AgentSpecReview {
  const file = options.documentName ?? 'oas.json';
  const findings: ReviewFinding[] = [];
  let spec: LoadedAgentSpec | undefined;
  try {
    spec = loadAgentSpec(content, options.load);
  } catch (error) {
    if (!(error instanceof AgentSpecLoadError)) throw error;
    for (const issue of error.issues) {
      findings.push(finding('unreadable_document', file, issue.path, `${issue.code}: ${issue.message}`));
    }
  }

  const packageSource = options.packageJson ?? options.siblingFiles?.[PACKAGE_JSON];
  const read = packageSource === undefined ? undefined : readPackageJson(packageSource);
  if (read && 'finding' in read) findings.push(read.finding);
  const packageJson = read && 'packageJson' in read ? read.packageJson : undefined;
  if (packageJson)
    findings.push(...checkLicense(packageJson), ...scanFileCredentials(PACKAGE_JSON, packageJson));
  const siblings = Object.entries(options.siblingFiles ?? {}).filter(([name]) => name !== PACKAGE_JSON);
  for (const [name, text] of siblings) findings.push(...scanFileCredentials(name, text));

  if (spec) {
    const flows = flowsOf(spec);
    findings.push(
      ...scanDocumentCredentials(spec, file),
      ...checkUrls(spec, file, options.allowedHosts ?? []),
      ...checkStartInputs(spec, flows, file),
    );
    if (packageJson) findings.push(...checkPackageDrift(spec, file, packageJson));
    if (options.mode === 'advisory') findings.push(...adviseDescriptions(spec, flows, file));
  }
  return partition(findings);
}

function partition(findings: ReviewFinding[]): AgentSpecReview {
  const review: AgentSpecReview = { blockers: [], warnings: [], advisories: [] };
  const seen = new Set<string>();
  for (const found of [...findings].sort(compareFindings)) {
    const key = JSON.stringify([found.file, found.path, found.code, found.message]);
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = {
      code: found.code,
      severity: found.severity,
      file: found.file,
      path: found.path,
      message: found.message,
    };
    if (found.severity === 'blocker') review.blockers.push(entry);
    else if (found.severity === 'warning') review.warnings.push(entry);
    else review.advisories.push(entry);
  }
  return review;
}
