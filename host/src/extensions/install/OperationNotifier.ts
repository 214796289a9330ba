import { inject, injectable, type InjectionToken } from 'tsyringe';
import {
  LOGGER,
  NOTIFICATION_SERVICE,
  type Logger,
  type NotificationInput,
  type NotificationService,
} from '@cinatra/kernel';
import type { OperationRow } from './InstallJournal.js';

/**
 * Tells the person who started an install or update how it goes, in their notification feed:
 * one row per operation (dedupe key `extension-operation:<id>`) that is "in progress" while
 * it runs and changes in place when it succeeds, fails or waits for their consent. A failure
 * to notify is logged and never fails the operation.
 */
@injectable()
export class OperationNotifier {
  constructor(
    @inject(NOTIFICATION_SERVICE) private readonly notifications: NotificationService,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  running(op: OperationRow): Promise<void> {
    const verb = op.kind === 'update' ? 'Updating' : 'Installing';
    return this.send(op, {
      level: 'info',
      title: `${verb} ${op.extension}${op.toVersion ? ` ${op.toVersion}` : ''}…`,
      body: null,
      link: '/marketplace/operations',
      inProgress: true,
    });
  }

  held(op: OperationRow): Promise<void> {
    const asked = op.kind === 'update' ? op.addedPermissions : op.requestedPermissions;
    return this.send(op, {
      level: 'warning',
      title: `${op.extension}${op.toVersion ? ` ${op.toVersion}` : ''} waits for your approval`,
      body: `It asks for: ${asked.join(', ')}. Approve or leave it under Installs and approvals.`,
      link: '/marketplace/operations',
      inProgress: false,
    });
  }

  succeeded(op: OperationRow, extensionId: string | null): Promise<void> {
    const title =
      op.kind === 'update'
        ? `Updated ${op.extension} from ${op.fromVersion} to ${op.toVersion}`
        : `Installed ${op.extension} ${op.toVersion ?? ''}`.trim();
    return this.send(op, {
      level: 'success',
      title,
      body: null,
      link: extensionId ? `/extensions/${extensionId}` : '/extensions',
      inProgress: false,
    });
  }

  failed(op: OperationRow, error: { code: string; message: string }): Promise<void> {
    return this.send(op, {
      level: 'error',
      title: `Could not ${op.kind} ${op.extension}`,
      body: `${error.message} (${error.code})`,
      link: '/marketplace/operations',
      inProgress: false,
    });
  }

  private async send(op: OperationRow, fields: Omit<NotificationInput, 'dedupeKey'>): Promise<void> {
    if (!op.actorId || (op.kind !== 'install' && op.kind !== 'update')) return;
    try {
      await this.notifications.notify(op.actorId, { ...fields, dedupeKey: `extension-operation:${op.id}` });
    } catch (error) {
      this.logger.warn({ err: error, operation: op.id }, 'could not notify about an extension operation');
    }
  }
}

export const OPERATION_NOTIFIER: InjectionToken<OperationNotifier> = OperationNotifier;
