import type { Knex } from 'knex';

/** One schema change. `name` must never change once released: it is the ledger key. */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** The ordered migrations of one package, e.g. `kernel`. */
export interface MigrationSet {
  owner: string;
  migrations: readonly Migration[];
}

const LEDGER_TABLE = 'cinatra_migrations';

/**
 * Applies every pending migration of the given sets, in set order then file order, under
 * knex's migration lock so two processes starting at once do not race.
 * Returns the names that were applied.
 */
export async function migrateLatest(knex: Knex, sets: readonly MigrationSet[]): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({
    tableName: LEDGER_TABLE,
    migrationSource: new SetsMigrationSource(sets),
  })) as [number, string[]];
  return applied;
}

export async function pendingMigrations(knex: Knex, sets: readonly MigrationSet[]): Promise<string[]> {
  const [, pending] = (await knex.migrate.list({
    tableName: LEDGER_TABLE,
    migrationSource: new SetsMigrationSource(sets),
  })) as [unknown[], Array<{ file: string } | string>];
  return pending.map((entry) => (typeof entry === 'string' ? entry : entry.file));
}

class SetsMigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly sets: readonly MigrationSet[]) {}

  async getMigrations(): Promise<Migration[]> {
    return this.sets.flatMap((set) =>
      set.migrations.map((migration) => ({ ...migration, name: `${set.owner}/${migration.name}` })),
    );
  }

  getMigrationName(migration: Migration): string {
    return migration.name;
  }

  async getMigration(migration: Migration): Promise<Knex.Migration> {
    return { up: migration.up, down: migration.down };
  }
}
