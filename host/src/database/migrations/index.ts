import type { MigrationSet } from '@cinatra/kernel';
import { trustStoreMigration } from './0001_trust_store.js';
import { extensionsMigration } from './0002_extensions.js';
import { registryMigration } from './0003_registry.js';
import { installJournalMigration } from './0004_install_journal.js';
import { connectorSetupsMigration } from './0005_connector_setups.js';

/** The host package's own tables, applied after the kernel's (ledger names `host/<name>`). */
export const hostMigrations: MigrationSet = {
  owner: 'host',
  migrations: [
    trustStoreMigration,
    extensionsMigration,
    registryMigration,
    installJournalMigration,
    connectorSetupsMigration,
  ],
};
