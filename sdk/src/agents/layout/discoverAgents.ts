import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { probeAgent, type AgentLocation } from './probeAgent.js';

/** The install directory agents are read from when nothing else is configured. */
export const DEFAULT_AGENT_INSTALL_DIR = 'agents';
/** The environment variable that overrides it for the CLI and `npm run validate:agents`. */
export const AGENT_INSTALL_DIR_ENV = 'CINATRA_AGENTS_DIR';

/**
 * Every agent under an install directory laid out as `<installDir>/<vendor>/<slug>/`, probed
 * with {@link probeAgent}; directories with no agent file are skipped. Sorted by vendor, then
 * slug, so every scan lists the same agents in the same order. Only real directories are
 * entered: a symbolic link cannot pull files from outside the install directory into the scan.
 * Throws (ENOENT) when the install directory itself does not exist.
 */
export async function discoverAgents(installDir: string): Promise<AgentLocation[]> {
  const root = resolve(installDir);
  const found: AgentLocation[] = [];
  for (const vendor of await subdirectories(root)) {
    for (const slug of await subdirectories(join(root, vendor))) {
      const location = await probeAgent(join(root, vendor, slug));
      if (location) found.push(location);
    }
  }
  return found;
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .map((entry) => entry.name)
    .sort();
}
