import { api, unwrap, type Schemas } from '../../api/client';

import type { Tone } from '../../components/CStatusBadge.vue';

export type { Tone };
// The app's date and count wording (formatDate here is a date with its time).
export { formatDateTime as formatDate, plural } from '../../format';

type ApiExtension = Schemas['Extension'];

/** An installed extension as `GET /api/extensions/{id}` describes it. */
export type Extension = ApiExtension;
export type ExtensionSignature = ApiExtension['signature'];
export type ExtensionState = ApiExtension['state'];
export type ExtensionOperation = Schemas['ExtensionOperation'];
export type LogLine = Schemas['ExtensionLogs']['lines'][number];
/** A connector with its setup schema (null: nothing to set up) and stored setup (null: never set up). */
export type Connector = ApiExtension['contributions']['connectors'][number];

/** A named contribution (skill, connector, renderer, dashboard widget). */
export interface IdContribution {
  id: string;
  displayName: string;
  description?: string;
}

export const STATES: readonly ExtensionState[] = [
  'active',
  'inactive',
  'installed',
  'disabled',
  'archived',
  'quarantined',
  'failed',
];

const STATE_INFO: Record<ExtensionState, { label: string; tone: Tone; meaning: string }> = {
  active: { label: 'Active', tone: 'success', meaning: 'Running now.' },
  inactive: { label: 'Inactive', tone: 'neutral', meaning: 'Enabled; it starts on first use.' },
  installed: { label: 'Installed', tone: 'info', meaning: 'Installed but not enabled yet.' },
  disabled: {
    label: 'Disabled',
    tone: 'neutral',
    meaning: 'Turned off: nothing starts it and its tools are hidden.',
  },
  archived: {
    label: 'Archived',
    tone: 'neutral',
    meaning: 'Put away: settings, grants and data are kept; restore it to use it again.',
  },
  quarantined: {
    label: 'Quarantined',
    tone: 'warning',
    meaning: 'Stopped after crashing repeatedly; reset the quarantine to let it run again.',
  },
  failed: { label: 'Failed', tone: 'danger', meaning: 'Refused to load; see the reason.' },
};

export function stateInfo(state: string): { label: string; tone: Tone; meaning: string } {
  return STATE_INFO[state as ExtensionState] ?? { label: state, tone: 'neutral', meaning: '' };
}

interface SignatureInfo {
  label: string;
  tone: Tone;
  meaning: string;
}

const SIGNATURE_INFO: Record<ExtensionSignature['status'], SignatureInfo> = {
  verified: { label: 'Verified', tone: 'success', meaning: 'Signed by a key the trust store trusts.' },
  failed: {
    label: 'Verification failed',
    tone: 'danger',
    meaning:
      'The last load failed verification, or the key or version is revoked or unknown: the next load is refused.',
  },
  unknown: {
    label: 'No readable signature',
    tone: 'warning',
    meaning: 'Its signature bundle is missing or unreadable.',
  },
};

export function signatureInfo(signature: ExtensionSignature | null | undefined): SignatureInfo {
  if (!signature) return { label: 'Not reported', tone: 'neutral', meaning: '' };
  return SIGNATURE_INFO[signature.status] ?? { label: signature.status, tone: 'neutral', meaning: '' };
}

const TIERS: Record<string, string> = {
  'first-party': 'First party',
  partner: 'Partner',
  community: 'Community',
  private: 'Private',
};

/** The trust tier in words ("First party"), or null when it is not known. */
export function tierLabel(extension: Pick<Extension, 'tier' | 'signature'>): string | null {
  const tier = extension.tier ?? extension.signature?.tier ?? null;
  return tier ? (TIERS[tier] ?? tier) : null;
}

/** Why an extension failed (or was quarantined), in its own words: "code: message". */
export function failureReason(extension: Pick<Extension, 'lastError'>): string | null {
  const error = extension.lastError;
  return error ? `${error.code}: ${error.message}` : null;
}

/** What a permission lets the extension do, in words. */
export function describePermission(permission: string): string {
  const [capability = '', ...rest] = permission.split(':');
  const qualifier = rest.join(':');
  const setting = /^\$\{settings\.([A-Za-z0-9]+)\}/.exec(qualifier)?.[1];
  switch (capability) {
    case 'secrets.read':
      return qualifier ? `Read the secret “${qualifier}”` : 'Read secrets';
    case 'queue.enqueue':
      return qualifier ? `Add jobs to the queue “${qualifier}”` : 'Add jobs to queues';
    case 'llm.invoke':
      return 'Call language models';
    case 'notifications.send':
      return 'Send notifications';
    case 'storage':
      return 'Keep its own data';
    case 'network':
      if (setting) return `Connect to the host named in its “${setting}” setting`;
      return qualifier ? `Connect to ${qualifier}` : 'Connect to the network';
    default:
      return 'A permission this platform does not describe';
  }
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : TIME.format(date);
}

// API --------------------------------------------------------------------------------------

const path = (extensionId: string) => ({ params: { path: { extensionId } } });

export async function listExtensions(): Promise<Extension[]> {
  return unwrap(api.GET('/api/extensions'));
}

export async function getExtension(extensionId: string): Promise<Extension> {
  return unwrap(api.GET('/api/extensions/{extensionId}', path(extensionId)));
}

/** The recent log lines, oldest first. */
export async function getLogs(extensionId: string): Promise<LogLine[]> {
  const body = await unwrap(api.GET('/api/extensions/{extensionId}/logs', path(extensionId)));
  return body?.lines ?? [];
}

/** Actions that answer with the extension. */
export type ExtensionAction = 'enable' | 'disable' | 'reload' | 'quarantine/reset';

export async function runAction(extensionId: string, action: ExtensionAction): Promise<Extension> {
  const init = path(extensionId);
  const call =
    action === 'enable'
      ? api.POST('/api/extensions/{extensionId}/enable', init)
      : action === 'disable'
        ? api.POST('/api/extensions/{extensionId}/disable', init)
        : action === 'reload'
          ? api.POST('/api/extensions/{extensionId}/reload', init)
          : api.POST('/api/extensions/{extensionId}/quarantine/reset', init);
  return unwrap(call);
}

/** Pipeline actions: they answer with the journaled operation. */
export async function runOperation(
  extensionId: string,
  action: 'archive' | 'restore',
): Promise<ExtensionOperation> {
  const init = path(extensionId);
  return unwrap(
    action === 'archive'
      ? api.POST('/api/extensions/{extensionId}/archive', init)
      : api.POST('/api/extensions/{extensionId}/restore', init),
  );
}

export async function updateExtension(
  extensionId: string,
  range: string | null,
): Promise<ExtensionOperation> {
  return unwrap(
    api.POST('/api/extensions/{extensionId}/update', { ...path(extensionId), body: range ? { range } : {} }),
  );
}

export async function uninstallExtension(
  extensionId: string,
  data: 'keep' | 'delete',
): Promise<ExtensionOperation> {
  return unwrap(
    api.POST('/api/extensions/{extensionId}/uninstall', { ...path(extensionId), body: { data } }),
  );
}

export async function setGrants(extensionId: string, permissions: string[]): Promise<Extension> {
  return unwrap(
    api.PUT('/api/extensions/{extensionId}/grants', { ...path(extensionId), body: { permissions } }),
  );
}

export type SettingValue = string | number | boolean | null;

export async function setSettings(
  extensionId: string,
  values: Record<string, SettingValue>,
): Promise<Extension> {
  return unwrap(
    api.PUT('/api/extensions/{extensionId}/settings', { ...path(extensionId), body: { values } }),
  );
}

/** Replaces a connector's setup values; the platform checks them against its `setupSchema`. */
export async function setConnectorSetup(
  extensionId: string,
  connectorId: string,
  values: Record<string, unknown>,
): Promise<Extension> {
  return unwrap(
    api.PUT('/api/extensions/{extensionId}/connectors/{connectorId}/setup', {
      params: { path: { extensionId, connectorId } },
      body: { values },
    }),
  );
}

/** A version or semver range as the update accepts it (empty: the latest). */
export function checkRange(range: string): string | null {
  const value = range.trim();
  if (!value) return null;
  if (value.length > 256 || !/^[0-9A-Za-z.^~<>=|*+\-\s]+$/.test(value)) {
    return 'Enter a version like 1.4.2, a range like ^1.4, or leave it empty for the latest.';
  }
  return null;
}
