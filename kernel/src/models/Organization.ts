import { Model } from 'objection';
import type { OrganizationRole, TeamRole } from '../authz/ActorContext.js';

export class Organization extends Model {
  static override tableName = 'organizations';

  id!: string;
  slug!: string;
  name!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export class OrganizationMember extends Model {
  static override tableName = 'organizationMembers';
  static override idColumn = ['organizationId', 'userId'];

  organizationId!: string;
  userId!: string;
  role!: OrganizationRole;
  createdAt!: Date;
}

export class Team extends Model {
  static override tableName = 'teams';

  id!: string;
  organizationId!: string;
  slug!: string;
  name!: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export class TeamMember extends Model {
  static override tableName = 'teamMembers';
  static override idColumn = ['teamId', 'userId'];

  teamId!: string;
  userId!: string;
  role!: TeamRole;
  createdAt!: Date;
}
