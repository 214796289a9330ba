export { AGENT_FILE_PROBE, probeAgent } from './probeAgent.js';
export type { AgentLocation, AgentPackageJson } from './probeAgent.js';
export { AGENT_INSTALL_DIR_ENV, DEFAULT_AGENT_INSTALL_DIR, discoverAgents } from './discoverAgents.js';
export { checkAgentPackage } from './checkAgentPackage.js';
export { readPackageFiles } from './readPackageFiles.js';
