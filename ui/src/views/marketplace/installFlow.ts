import { computed, ref, shallowRef } from 'vue';
import { api, unwrap, type Schemas } from '../../api/client';
import { ApiProblem, problemMessage } from '../../api/problem';
import type { paths } from '../../api/schema';
import { useSessionStore } from '../../stores/session';
import type { Tone } from '../../components/CStatusBadge.vue';
import type { SignatureStatus, Tier } from './permissions';

export type Operation = Schemas['ExtensionOperation'];
export type Extension = Schemas['Extension'];
export type GitHubRelease = Schemas['GitHubRelease'];
export type CatalogueEntry =
  paths['/api/registry/packages']['get']['responses'][200]['content']['application/json']['packages'][number];
export type Promotion =
  paths['/api/registry/promotions']['get']['responses'][200]['content']['application/json']['promotions'][number];

export const STATUS: Record<Operation['status'], { label: string; tone: Tone }> = {
  running: { label: 'Running', tone: 'info' },
  pending_consent: { label: 'Waiting for approval', tone: 'warning' },
  succeeded: { label: 'Succeeded', tone: 'success' },
  rolled_back: { label: 'Failed, rolled back', tone: 'danger' },
  failed: { label: 'Failed, rollback incomplete', tone: 'danger' },
};

export const KIND_LABELS: Record<Operation['kind'], string> = {
  install: 'Install',
  update: 'Update',
  archive: 'Archive',
  restore: 'Restore',
  uninstall: 'Uninstall',
};

/** Names who did something: You, System (nobody), or their user ID. */
export function useWho(): (userId: string | null) => string {
  const session = useSessionStore();
  return (userId) => {
    if (!userId) return 'System';
    return userId === session.user?.id ? 'You' : userId;
  };
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} bytes`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** How an install or approval ended: an operation from the journal, or a refusal in words. */
export type InstallOutcome =
  | { kind: 'operation'; operation: Operation }
  | { kind: 'refused'; message: string; code: string; what: string };

/** What the consent dialog shows and how to send the decision. */
export interface ConsentRequest {
  title: string;
  packageName: string;
  version: string | null;
  kind: 'install' | 'update';
  publisher?: string | null;
  tier?: Tier | null;
  signature?: { status: SignatureStatus; keyId?: string | null; detail?: string | null };
  source?: string | null;
  /** Requested permissions; null while unknown (the package is downloaded and held first). */
  permissions: string[] | null;
  /** Permissions the running version did not have (updates). */
  added?: string[];
  confirmLabel: string;
  /** Sends the request; `approve` is the granted set, or undefined when it was not known. */
  send: (approve: string[] | undefined) => Promise<Operation>;
}

export async function approveOperation(operationId: string, permissions: string[]): Promise<Operation> {
  return unwrap(
    api.POST('/api/extension-operations/{operationId}/approve', {
      params: { path: { operationId } },
      body: { permissions },
    }),
  );
}

/** The consent request for an operation held at `consent`: approving sends exactly what it requests. */
export function heldRequest(operation: Operation): ConsentRequest {
  const verified = operation.stages.some((s) => s.stage === 'verify' && s.status === 'succeeded');
  const version = operation.toVersion;
  return {
    title:
      operation.kind === 'update'
        ? `Approve the update of ${operation.extension}${version ? ` to ${version}` : ''}?`
        : `Approve installing ${operation.extension}${version ? ` ${version}` : ''}?`,
    packageName: operation.extension,
    version,
    kind: operation.kind === 'update' ? 'update' : 'install',
    signature: verified
      ? {
          status: 'verified',
          detail: 'Checked against this instance’s trust store when the package was downloaded.',
        }
      : undefined,
    source: operation.source,
    permissions: operation.requestedPermissions,
    added: operation.kind === 'update' ? operation.addedPermissions : undefined,
    confirmLabel: operation.kind === 'update' ? 'Approve and update' : 'Approve and install',
    send: () => approveOperation(operation.id, operation.requestedPermissions),
  };
}

/**
 * One install from start to result: the consent dialog's request, whether it is open, and the
 * outcome. A request whose permissions are unknown is sent without an approval; when the
 * platform holds it for consent, the dialog switches to the exact permissions it asks for
 * and approving continues that operation. Cancel never sends anything.
 */
export function useInstallFlow() {
  const request = shallowRef<ConsentRequest | null>(null);
  const open = ref(false);
  const outcome = shallowRef<InstallOutcome | null>(null);

  /** The consent dialog's props (everything but how to send). */
  const dialog = computed(() => {
    if (!request.value) return null;
    const { send: _send, ...props } = request.value;
    return props;
  });

  function start(next: ConsentRequest): void {
    request.value = next;
    outcome.value = null;
    open.value = true;
  }

  /** Opens the dialog for an operation held for consent. */
  function review(operation: Operation): void {
    start(heldRequest(operation));
    outcome.value = { kind: 'operation', operation };
  }

  function cancel(): void {
    open.value = false;
  }

  async function confirm(granted: string[]): Promise<void> {
    const current = request.value;
    if (!current) return;
    const known = current.permissions !== null;
    try {
      const operation = await current.send(known ? granted : undefined);
      outcome.value = { kind: 'operation', operation };
      if (!known && operation.status === 'pending_consent' && open.value) {
        request.value = heldRequest(operation);
        return;
      }
    } catch (error) {
      outcome.value = {
        kind: 'refused',
        message: problemMessage(error),
        code: error instanceof ApiProblem ? error.code : 'error',
        what: current.packageName,
      };
    }
    open.value = false;
  }

  return { request, dialog, open, outcome, start, review, cancel, confirm };
}

export type InstallFlow = ReturnType<typeof useInstallFlow>;
