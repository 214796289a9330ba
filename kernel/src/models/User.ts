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
