import semver from 'semver';
import type { AgentSpecIssue } from '../types.js';
import type { AgentLocation } from './probeAgent.js';

/**
 * What the layout asks of an agent package beyond its Agent Spec file: a package.json whose
 * name is `@<vendor>/<slug>` (the directory it sits in) and whose version is semver. The
 * license, credentials and drift between the document and package.json are the review's.
 * Issue paths point into package.json.
 */
export function checkAgentPackage(location: AgentLocation): AgentSpecIssue[] {
  const { packageJson } = location;
  if (!packageJson) {
    return [
      location.packageJsonError
        ? { code: 'package_json_unreadable', path: '', message: location.packageJsonError }
        : {
            code: 'missing_package_json',
            path: '',
            message: `${location.dir} has no package.json; an agent package names itself @${location.vendor}/${location.slug} there`,
          },
    ];
  }
  const issues: AgentSpecIssue[] = [];
  const expected = `@${location.vendor}/${location.slug}`;
  if (packageJson.name !== expected) {
    issues.push({
      code: 'package_name_mismatch',
      path: '/name',
      message: `package.json's name is ${JSON.stringify(packageJson.name ?? null)}; an agent in ${location.vendor}/${location.slug} is ${expected}`,
    });
  }
  if (typeof packageJson.version !== 'string' || !semver.valid(packageJson.version)) {
    issues.push({
      code: 'invalid_package_version',
      path: '/version',
      message: `package.json's version ${JSON.stringify(packageJson.version ?? null)} is not a semver version (e.g. 1.0.0)`,
    });
  }
  return issues;
}
