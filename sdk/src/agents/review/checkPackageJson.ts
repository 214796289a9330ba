import type { LoadedAgentSpec } from '../types.js';
import { appendPointer } from '../validate/jsonPointer.js';
import { finding, type ReviewFinding } from './ReviewFinding.js';

export const PACKAGE_JSON = 'package.json';

/** package.json as given: parsed, or the finding that it cannot be. */
export function readPackageJson(
  source: unknown,
): { packageJson: Record<string, unknown> } | { finding: ReviewFinding } {
  let value = source;
  if (typeof source === 'string') {
    try {
      value = JSON.parse(source) as unknown;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        finding: finding('package_json_unreadable', PACKAGE_JSON, '', `package.json is not JSON: ${reason}`),
      };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      finding: finding('package_json_unreadable', PACKAGE_JSON, '', 'package.json is not a JSON object.'),
    };
  }
  return { packageJson: value as Record<string, unknown> };
}

/** package.json carries a license. */
export function checkLicense(packageJson: Record<string, unknown>): ReviewFinding[] {
  const license = packageJson.license;
  if (typeof license === 'string' && license.trim() !== '') return [];
  return [
    finding(
      'package_missing_license',
      PACKAGE_JSON,
      '/license',
      'package.json has no license; an agent package is published and installed elsewhere, say under which terms (an SPDX id or "UNLICENSED").',
    ),
  ];
}

/**
 * The package identity the document records in `metadata.cinatra` (`packageName`, `packageVersion`
 * or `version`) agrees with package.json, which is what gets published.
 */
export function checkPackageDrift(
  spec: LoadedAgentSpec,
  file: string,
  packageJson: Record<string, unknown>,
): ReviewFinding[] {
  const findings: ReviewFinding[] = [];
  const metadata = spec.root.metadata?.cinatra;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return findings;
  const cinatra = metadata as Record<string, unknown>;
  const base = appendPointer(spec.pathOf(spec.root), 'metadata', 'cinatra');
  const versionField = 'packageVersion' in cinatra ? 'packageVersion' : 'version';
  const version = cinatra[versionField];
  if (
    typeof version === 'string' &&
    typeof packageJson.version === 'string' &&
    version !== packageJson.version
  ) {
    findings.push(
      finding(
        'package_version_drift',
        file,
        appendPointer(base, versionField),
        `metadata.cinatra.${versionField} is ${version} but package.json's version is ${packageJson.version}; bump both together.`,
      ),
    );
  }
  const name = cinatra.packageName;
  if (typeof name === 'string' && typeof packageJson.name === 'string' && name !== packageJson.name) {
    findings.push(
      finding(
        'package_name_drift',
        file,
        appendPointer(base, 'packageName'),
        `metadata.cinatra.packageName is ${name} but package.json's name is ${packageJson.name}.`,
      ),
    );
  }
  return findings;
}
