import { KernelError } from '@cinatra/kernel';
import type { ExtensionState } from '../ExtensionManager.js';

/** The lifecycle operations of the install pipeline (one journal row each). */
export type OperationKind = 'install' | 'update' | 'archive' | 'restore' | 'uninstall';

/** `absent`: no row (never installed, or uninstalled). */
export type LifecycleState = ExtensionState | 'absent';

/**
 * The one lifecycle state machine: which operation may start from which state, and where it
 * leads. Every operation that passes is journaled and ends in an audit event
 * (`extension.installed`, `extension.updated`, `extension.archived`, `extension.restored`,
 * `extension.uninstalled`, or `extension.operation_failed` with the rollback).
 *
 *   absent ──install──▶ inactive (enabled, approved grants) ──▶ active on first use
 *   any installed state except archived ──update──▶ same enabled flag, new version
 *   installed|inactive|active|disabled|failed|quarantined ──archive──▶ archived
 *   archived ──restore──▶ inactive (enabled; verified again)
 *   any installed state ──uninstall──▶ absent (data directory kept or deleted)
 *
 * The states within "installed" (`inactive` ⇄ `active`, `disabled`, `failed`, `quarantined`)
 * are the extension manager's (enable/disable/crash supervision); this table only guards the
 * pipeline's operations.
 */
export const LIFECYCLE: Record<OperationKind, { from: readonly LifecycleState[]; to: string }> = {
  install: { from: ['absent'], to: 'inactive' },
  update: {
    from: ['installed', 'inactive', 'active', 'disabled', 'failed', 'quarantined'],
    to: 'unchanged (enabled stays enabled)',
  },
  archive: { from: ['installed', 'inactive', 'active', 'disabled', 'failed', 'quarantined'], to: 'archived' },
  restore: { from: ['archived'], to: 'inactive' },
  uninstall: {
    from: ['installed', 'inactive', 'active', 'disabled', 'failed', 'quarantined', 'archived'],
    to: 'absent',
  },
};

const HINT: Record<OperationKind, string> = {
  install: 'it is installed already: update it instead',
  update: 'restore it first',
  archive: 'it is archived already',
  restore: 'only an archived extension can be restored',
  uninstall: 'it is not installed',
};

/** Refuses an operation the state machine does not allow from `state` (409 with the reason). */
export function assertTransition(kind: OperationKind, name: string, state: LifecycleState): void {
  if (LIFECYCLE[kind].from.includes(state)) return;
  if (state === 'absent') throw new KernelError('not_found', `Extension ${name} is not installed.`);
  throw new KernelError('conflict', `Cannot ${kind} ${name} while it is ${state}: ${HINT[kind]}.`);
}
