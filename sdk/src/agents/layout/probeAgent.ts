import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Where an agent's Agent Spec file may sit inside its package directory, in the order they are
 * tried; the first that exists wins. `oas.json` under `cinatra/` is the layout new agents use;
 * the `agent.json` names are read for agents written before the rename and reported as legacy.
 */
export const AGENT_FILE_PROBE = ['cinatra/oas.json', 'cinatra/agent.json', 'oas.json', 'agent.json'] as const;

/** The npm-style package metadata beside an agent (`agents/<vendor>/<slug>/package.json`). */
export interface AgentPackageJson {
  name?: string;
  version?: string;
  license?: string;
  description?: string;
  [field: string]: unknown;
}

/** One agent found on disk: its package directory, the file the probe chose and its package.json. */
export interface AgentLocation {
  /** The package directory's name (`reply-drafting-agent`). */
  slug: string;
  /** The directory the package directory sits in (`cinatra` for first-party agents). */
  vendor: string;
  /** Absolute package directory (`…/agents/<vendor>/<slug>`). */
  dir: string;
  /** Absolute path of the Agent Spec file the probe chose. */
  file: string;
  /** The file is an `agent.json`: still read, but new agents must be `cinatra/oas.json`. */
  legacy: boolean;
  /** The sibling package.json, or null when there is none or it is not a JSON object. */
  packageJson: AgentPackageJson | null;
  /** Why package.json could not be used, when it exists but is unreadable or not a JSON object. */
  packageJsonError?: string;
}

/**
 * Probes one agent package directory and returns where its Agent Spec file is, or null when
 * none of the four candidates exists. Never reads the Agent Spec file itself.
 */
export async function probeAgent(dir: string): Promise<AgentLocation | null> {
  for (const candidate of AGENT_FILE_PROBE) {
    const file = join(dir, candidate);
    if (!(await isFile(file))) continue;
    return {
      slug: basename(dir),
      vendor: basename(dirname(dir)),
      dir,
      file,
      legacy: candidate.endsWith('agent.json'),
      ...(await readPackageJson(join(dir, 'package.json'))),
    };
  }
  return null;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readPackageJson(
  file: string,
): Promise<Pick<AgentLocation, 'packageJson' | 'packageJsonError'>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { packageJson: null };
    return { packageJson: null, packageJsonError: `cannot read package.json: ${(error as Error).message}` };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return { packageJson: parsed as AgentPackageJson };
    }
    return { packageJson: null, packageJsonError: 'package.json is not a JSON object' };
  } catch (error) {
    return { packageJson: null, packageJsonError: `package.json is not JSON: ${(error as Error).message}` };
  }
}
