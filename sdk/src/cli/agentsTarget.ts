import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { AGENT_FILE_PROBE, probeAgent, type AgentLocation } from '../agents/layout/probeAgent.js';
import { discoverAgents } from '../agents/layout/discoverAgents.js';

/** The agent a `cinatra-ext agents …` command works on. */
export interface AgentTarget {
  /** Absolute path of the Agent Spec file. */
  file: string;
  /** Its package directory, when the file sits where the layout puts agent files. */
  location: AgentLocation | null;
}

/** The argument names no agent; the message says what was tried. */
export class AgentTargetError extends Error {
  override readonly name = 'AgentTargetError';
}

const SLUG = /^(?:@?([a-z0-9][\w.-]*)\/)?([a-z0-9][\w.-]*)$/i;

/**
 * Resolves what an author typed: a file (any Agent Spec file), a package directory (probed
 * like the platform does), or a slug under the install directory — `slug`, `vendor/slug` or
 * the package name `@vendor/slug`.
 */
export async function resolveAgentTarget(
  target: string,
  options: { cwd: string; installDir: string },
): Promise<AgentTarget> {
  const path = resolve(options.cwd, target);
  const kind = await stat(path).then(
    (s) => (s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other'),
    () => 'missing',
  );
  if (kind === 'file') return { file: path, location: await locationOfFile(path) };
  if (kind === 'directory') {
    const location = await probeAgent(path);
    if (!location) {
      throw new AgentTargetError(
        `${target} holds no agent file (looked for ${AGENT_FILE_PROBE.join(', ')}).`,
      );
    }
    return { file: location.file, location };
  }
  const slug = SLUG.exec(target);
  if (!slug) throw new AgentTargetError(`${target} is neither a file, a directory nor an agent slug.`);
  const [, vendor, name] = slug;
  const installDir = resolve(options.cwd, options.installDir);
  const agents = await discoverAgents(installDir).catch((error: NodeJS.ErrnoException) => {
    throw new AgentTargetError(
      error.code === 'ENOENT'
        ? `${target} is not a file, and the agent install directory ${installDir} does not exist (pass --agents-dir).`
        : `Cannot read the agent install directory ${installDir}: ${error.message}.`,
    );
  });
  const matches = agents.filter((agent) => agent.slug === name && (!vendor || agent.vendor === vendor));
  if (matches.length === 0) {
    throw new AgentTargetError(
      `No agent ${target} under ${installDir} (nor a file or directory of that name).`,
    );
  }
  if (matches.length > 1) {
    const names = matches.map((agent) => `${agent.vendor}/${agent.slug}`).join(', ');
    throw new AgentTargetError(`${target} is ambiguous under ${installDir}: name one of ${names}.`);
  }
  return { file: matches[0]!.file, location: matches[0]! };
}

/**
 * The package of a file named directly: `<dir>/cinatra/<file>` or `<dir>/<file>`, when that
 * directory is an agent package. The file given wins over what the probe would have chosen.
 */
async function locationOfFile(file: string): Promise<AgentLocation | null> {
  const parent = dirname(file);
  const dir = basename(parent) === 'cinatra' ? dirname(parent) : parent;
  const location = await probeAgent(dir);
  if (!location) return null;
  return { ...location, file, legacy: basename(file) === 'agent.json' };
}
