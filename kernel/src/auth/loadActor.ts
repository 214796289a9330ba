import type { Knex } from 'knex';
import type { ActorContext, AuthSource } from '../authz/ActorContext.js';
import { OrganizationMember, Team, TeamMember } from '../models/Organization.js';
import type { User } from '../models/User.js';

/** Snapshot of a user's roles and memberships as an actor. */
export async function loadActor(
  knex: Knex,
  user: User,
  authSource: AuthSource,
  credentialId: string,
  tokenScopes: readonly string[] | null,
): Promise<ActorContext> {
  const [organizations, teams] = await Promise.all([
    OrganizationMember.query(knex).where('userId', user.id).select('organizationId', 'role'),
    TeamMember.query(knex)
      .join(Team.tableName, 'teams.id', 'teamMembers.teamId')
      .where('teamMembers.userId', user.id)
      .select('teamMembers.teamId', 'teams.organizationId', 'teamMembers.role'),
  ]);
  return {
    principalId: user.id,
    principalType: user.kind === 'service_account' ? 'service_account' : 'user',
    displayName: user.displayName,
    platformRole: user.platformRole,
    organizations: organizations.map((m) => ({ id: m.organizationId, role: m.role })),
    teams: teams.map((t) => ({
      id: t.teamId,
      organizationId: (t as TeamMember & { organizationId: string }).organizationId,
      role: t.role,
    })),
    tokenScopes,
    authSource,
    credentialId,
  };
}
