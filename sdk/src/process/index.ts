/**
 * `@cinatra/sdk/process`: starting and talking to an isolated extension process. The platform
 * (`@cinatra/host`) supervises extensions with it and the author's test harness
 * (`@cinatra/sdk/testing`) runs them with it, so both run an extension the same way. See README.md.
 */
export {
  ExtensionProcess,
  rssLimitBytes,
  type ExtensionExitReason,
  type ExtensionProcessExit,
  type ExtensionProcessOptions,
  type HostApiHandler,
  type PermissionDenial,
  type ProcessLogger,
} from './ExtensionProcess.js';
export {
  EgressProxy,
  isInternalAddress,
  parseAllowedHosts,
  type EgressProxyOptions,
  type EgressTarget,
  type HostLookup,
  type ResolvedAddress,
} from './EgressProxy.js';
export { RpcChannel, type ChunkOf, type ChunkSink, type RpcHandler } from './RpcChannel.js';
export { streamedCall } from './streamedCall.js';
export {
  checkNetworkIsolation,
  runtimeLocation,
  spawnPlan,
  type IsolationCheck,
  type RuntimeLocation,
  type SpawnInput,
  type SpawnPlan,
} from './spawnArguments.js';
export {
  connectorSetups,
  effectiveSettings,
  isHttpUrl,
  networkHosts,
  type SettingValue,
} from './launchInputs.js';
