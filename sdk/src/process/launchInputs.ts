import type { ExtensionManifest } from '../manifest/ExtensionManifest.js';
import { parsePermission } from '../manifest/validateManifest.js';
import type { ConnectorSetups } from '../protocol/messages.js';

export type SettingValue = string | number | boolean;

/**
 * What a process receives besides its grants, derived from the manifest the same way by the
 * platform and by the test harness, so an extension sees in its tests exactly what it will see
 * when installed.
 */

/** Manifest defaults merged with the operator's values (undeclared keys are dropped). */
export function effectiveSettings(
  manifest: ExtensionManifest,
  values: Record<string, SettingValue>,
): Record<string, SettingValue> {
  const settings: Record<string, SettingValue> = {};
  for (const [key, setting] of Object.entries(manifest.cinatra.settings ?? {})) {
    const value = values[key] ?? setting.default;
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

/**
 * The stored setup values of the connectors the manifest declares with a `setupSchema`; values
 * of connectors it no longer declares (or that have nothing to set up any more) are dropped.
 */
export function connectorSetups(manifest: ExtensionManifest, stored: ConnectorSetups): ConnectorSetups {
  const setups: ConnectorSetups = {};
  for (const connector of manifest.cinatra.contributes.connectors ?? []) {
    if (connector.setupSchema && Object.hasOwn(stored, connector.id))
      setups[connector.id] = stored[connector.id]!;
  }
  return setups;
}

/**
 * The hosts a process may reach: granted `network:` permissions, `${settings.x}` resolved to
 * the host (and explicit port) of that setting's URL.
 */
export function networkHosts(granted: readonly string[], settings: Record<string, SettingValue>): string[] {
  const hosts = new Set<string>();
  for (const permission of granted.map(parsePermission)) {
    if (permission.capability !== 'network' || !permission.qualifier) continue;
    const setting = permission.qualifier.match(/^\$\{settings\.([a-zA-Z][a-zA-Z0-9]*)\}$/)?.[1];
    if (!setting) {
      hosts.add(permission.qualifier);
      continue;
    }
    const value = settings[setting];
    if (typeof value === 'string' && isHttpUrl(value)) hosts.add(new URL(value).host);
  }
  return [...hosts];
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
