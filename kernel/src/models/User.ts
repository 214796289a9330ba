import type { Knex } from 'knex';
import { Model } from 'objection';
import type { PlatformRole } from '../authz/ActorContext.js';

export type UserKind = 'human' | 'service_account';

export class User extends Model {
  static override tableName = 'users';

  id!: string;
  email!: string;
  displayName!: string;
  kind!: UserKind;
  platformRole!: PlatformRole;
  passwordHash!: string | null;
  disabledAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

/**
 * The user who signs in with this email, if any. Emails match case-insensitively, as the
 * unique index on `lower(email)` compares them.
 */
export async function findUserByEmail(knex: Knex, email: string): Promise<User | undefined> {
  return User.query(knex).whereRaw('lower(email) = lower(?)', [email.trim()]).first();
}

/** What the API shows of a user: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  displayName: string;
  kind: UserKind;
  platformRole: PlatformRole;
  disabled: boolean;
  createdAt: string;
}

export function viewUser(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    kind: user.kind,
    platformRole: user.platformRole,
    disabled: user.disabledAt !== null,
    createdAt: new Date(user.createdAt).toISOString(),
  };
}
