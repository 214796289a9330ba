#!/usr/bin/env node
// `npm run agents:embed [install dir]`: an orchestrator agent runs its sub-agents as FlowNodes,
// and Agent Spec has no reference across files, so each FlowNode carries a copy of the child's
// flow. This rewrites every copy from the child's own `cinatra/oas.json`: a FlowNode (anywhere
// in an agent's top-level `$referenced_components`) whose `metadata.cinatra.packageName` names an
// agent under the install directory (`@vendor/slug`) gets that agent's document minus its
// `agentspec_version`. With `--check` nothing is written and the exit code is 1 when a copy
// is stale (the first-party agents' test checks the same).
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const check = args.includes('--check');
const installDir = resolve(
  args.find((arg) => !arg.startsWith('--')) ?? process.env.CINATRA_AGENTS_DIR ?? 'agents',
);
const { discoverAgents } = await import('../sdk/dist/agents/index.js');

const agents = await discoverAgents(installDir);
const byPackage = new Map();
for (const agent of agents) byPackage.set(`@${agent.vendor}/${agent.slug}`, agent);

let stale = 0;
for (const agent of agents) {
  const text = await readFile(agent.file, 'utf8');
  const document = JSON.parse(text);
  let changed = false;
  for (const component of Object.values(document.$referenced_components ?? {})) {
    const child =
      component?.component_type === 'FlowNode' && byPackage.get(component.metadata?.cinatra?.packageName);
    if (!child || child === agent) continue;
    const { agentspec_version: _version, ...flow } = JSON.parse(await readFile(child.file, 'utf8'));
    if (JSON.stringify(component.subflow) === JSON.stringify(flow)) continue;
    component.subflow = flow;
    changed = true;
    process.stdout.write(
      `${check ? 'STALE' : 'UPDATED'} ${relative(process.cwd(), agent.file)}: ${component.id} ← ${relative(process.cwd(), join(child.file))}\n`,
    );
  }
  if (!changed) continue;
  stale++;
  if (!check) await writeFile(agent.file, `${JSON.stringify(document, null, 2)}\n`);
}
process.stdout.write(`${stale} agent file(s) ${check ? 'with stale sub-agent copies' : 'updated'}.\n`);
if (check && stale > 0) process.exit(1);
