#!/usr/bin/env node
// `npm run validate:agents [install dir]`: checks every agent under the install directory
// (argument, else $CINATRA_AGENTS_DIR, else agents/) the way the platform will load it —
// Agent Spec validation, package layout, review blockers, compilation — and prints
// `PASS <file>` or `FAIL <file>: <errors>` per agent, then `Results: N passed, M failed`.
// Exit code 1 on any failure, or when the install directory does not exist. Runs against the
// built SDK (sdk/dist), which `npm run validate:agents` builds first.
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import {
  AGENT_INSTALL_DIR_ENV,
  AgentCompileError,
  DEFAULT_AGENT_INSTALL_DIR,
  checkAgentPackage,
  compile,
  discoverAgents,
  readPackageFiles,
  review,
  validate,
} from '../sdk/dist/agents/index.js';

const say = (line) => process.stdout.write(`${line}\n`);
const installDir = resolve(
  process.argv[2] ?? process.env[AGENT_INSTALL_DIR_ENV] ?? DEFAULT_AGENT_INSTALL_DIR,
);
const shown = (file) => relative(process.cwd(), file) || '.';

let agents;
try {
  agents = await discoverAgents(installDir);
} catch (error) {
  process.stderr.write(`Cannot read the agent install directory ${installDir}: ${error.message}\n`);
  process.exit(1);
}

let passed = 0;
let failed = 0;
for (const agent of agents) {
  const errors = await problemsOf(agent);
  if (errors.length === 0) {
    passed++;
    say(`PASS ${shown(agent.file)}`);
  } else {
    failed++;
    say(`FAIL ${shown(agent.file)}: ${errors.join('; ')}`);
  }
}
say(`Results: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;

/** Every reason the agent would not load or publish, each as `code <where>: message`. */
async function problemsOf(agent) {
  const content = await readFile(agent.file, 'utf8');
  const issue = (where) => (found) => `${found.code} ${where}${found.path || '/'}: ${found.message}`;
  const problems = checkAgentPackage(agent).map(issue('package.json '));
  const validation = validate(content, { origin: agent.file });
  problems.push(...validation.errors.map(issue('')));
  const { blockers } = review(content, {
    mode: 'deterministic',
    siblingFiles: await readPackageFiles(agent.dir, agent.file),
    documentName: relative(agent.dir, agent.file),
    load: { origin: agent.file },
  });
  // A document that does not load is already reported by the validation above.
  const reviewed = blockers.filter((found) => found.code !== 'unreadable_document');
  problems.push(...reviewed.map((found) => issue(`${found.file} `)(found)));
  if (validation.valid) {
    try {
      compile(content, { packageJson: agent.packageJson, load: { origin: agent.file } });
    } catch (error) {
      if (!(error instanceof AgentCompileError)) throw error;
      problems.push(...error.issues.map(issue('')));
    }
  }
  return problems;
}
