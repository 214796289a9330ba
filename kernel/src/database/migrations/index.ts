import type { MigrationSet } from '../migrations.js';
import { foundation } from './0001_foundation.js';
import { auditAppend } from './0002_audit_append.js';
import { queueMigration } from './0003_queue.js';
import { streamsMigration } from './0004_streams.js';
import { notificationsMigration } from './0005_notifications.js';
import { secretsMigration } from './0006_secrets.js';
import { llmMigration } from './0007_llm.js';

export const kernelMigrations: MigrationSet = {
  owner: 'kernel',
  migrations: [
    foundation,
    auditAppend,
    queueMigration,
    streamsMigration,
    notificationsMigration,
    secretsMigration,
    llmMigration,
  ],
};
