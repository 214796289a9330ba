import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { currentActor, type OrganizationRole, type TeamRole } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { WORKSPACE, type Owner } from '../authz/ResourceRef.js';
import { CREDENTIAL_CACHE, type CredentialCache } from '../auth/CredentialCache.js';
import { DATABASE, isPgError, PG_UNIQUE_VIOLATION, type Database } from '../database/Database.js';
import { KernelError, notFound } from '../errors/KernelError.js';
import { Organization, OrganizationMember, Team, TeamMember } from '../models/Organization.js';
import { findUserByEmail, User } from '../models/User.js';

export interface OrganizationView {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

export interface TeamView extends OrganizationView {
  organizationId: string;
}

export interface MemberView<Role extends string> {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  since: string;
}

const viewOrganization = (o: Organization): OrganizationView => ({
  id: o.id,
  slug: o.slug,
  name: o.name,
  createdAt: new Date(o.createdAt).toISOString(),
});

const viewTeam = (t: Team): TeamView => ({
  ...viewOrganization(t as unknown as Organization),
  organizationId: t.organizationId,
});

const orgOwner = (organizationId: string): Owner => ({ tier: 'organization', organizationId });
const teamOwner = (team: Team): Owner => ({
  tier: 'team',
  teamId: team.id,
  organizationId: team.organizationId,
});

/**
 * Organizations, their teams, and both membership lists. Every method authorizes the
 * current actor first and audits every change in the same transaction as the change.
 */
@injectable()
export class OrganizationDirectory {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
  ) {}

  async createOrganization(input: {
    slug: string;
    name: string;
    ownerId?: string;
  }): Promise<OrganizationView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'create', { type: 'organization', owner: WORKSPACE });
    const ownerId =
      input.ownerId ?? (actor.principalType === 'system' ? undefined : (actor.principalId ?? undefined));
    const org = await this.db.knex.transaction(async (trx) => {
      const created = await uniquely(`An organization with the slug "${input.slug}" already exists.`, () =>
        Organization.query(trx).insertAndFetch({ slug: input.slug, name: input.name.trim() }),
      );
      if (ownerId) {
        if (!(await User.query(trx).findById(ownerId))) throw notFound('User', ownerId);
        await OrganizationMember.query(trx).insert({
          organizationId: created.id,
          userId: ownerId,
          role: 'org_owner',
        });
      }
      await this.audit.recordInTransaction(trx, {
        operation: 'organization.created',
        resourceType: 'organization',
        resourceId: created.id,
        organizationId: created.id,
        metadata: { slug: created.slug, ownerId: ownerId ?? null },
      });
      return created;
    });
    this.cache.clear();
    return viewOrganization(org);
  }

  /** Every organization for platform admins; the caller's own organizations for everyone else. */
  async listOrganizations(): Promise<OrganizationView[]> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'list', { type: 'organization', owner: WORKSPACE });
    const query = Organization.query(this.db.knex).orderBy('name');
    if (actor.platformRole !== 'platform_admin' && actor.principalType !== 'system') {
      query.whereIn(
        'id',
        actor.organizations.map((o) => o.id),
      );
    }
    return (await query).map(viewOrganization);
  }

  async getOrganization(organizationId: string): Promise<OrganizationView> {
    const org = await this.findOrganization(organizationId);
    await this.authorizer.authorize(currentActor(), 'read', {
      type: 'organization',
      id: org.id,
      owner: orgOwner(org.id),
    });
    return viewOrganization(org);
  }

  async updateOrganization(organizationId: string, input: { name?: string }): Promise<OrganizationView> {
    const org = await this.findOrganization(organizationId);
    await this.authorizer.authorize(currentActor(), 'update', {
      type: 'organization',
      id: org.id,
      owner: orgOwner(org.id),
    });
    return this.db.knex.transaction(async (trx) => {
      const updated = await Organization.query(trx).patchAndFetchById(org.id, {
        ...(input.name ? { name: input.name.trim() } : {}),
        updatedAt: new Date(),
      });
      await this.audit.recordInTransaction(trx, {
        operation: 'organization.updated',
        resourceType: 'organization',
        resourceId: org.id,
        organizationId: org.id,
        metadata: { name: updated.name },
      });
      return viewOrganization(updated);
    });
  }

  async deleteOrganization(organizationId: string): Promise<void> {
    const org = await this.findOrganization(organizationId);
    await this.authorizer.authorize(currentActor(), 'delete', {
      type: 'organization',
      id: org.id,
      owner: orgOwner(org.id),
    });
    await this.db.knex.transaction(async (trx) => {
      await Organization.query(trx).deleteById(org.id);
      await this.audit.recordInTransaction(trx, {
        operation: 'organization.deleted',
        resourceType: 'organization',
        resourceId: org.id,
        organizationId: org.id,
        metadata: { slug: org.slug },
      });
    });
    this.cache.clear();
  }

  async listOrganizationMembers(organizationId: string): Promise<MemberView<OrganizationRole>[]> {
    const org = await this.findOrganization(organizationId);
    await this.authorizer.authorize(currentActor(), 'list', {
      type: 'organization_member',
      owner: orgOwner(org.id),
    });
    return this.members(OrganizationMember.tableName, 'organizationId', org.id);
  }

  async setOrganizationMember(
    organizationId: string,
    userId: string,
    role: OrganizationRole,
  ): Promise<MemberView<OrganizationRole>> {
    const org = await this.findOrganization(organizationId);
    const current = await OrganizationMember.query(this.db.knex).findById([org.id, userId]);
    const ownership = role === 'org_owner' || current?.role === 'org_owner';
    await this.authorizer.authorize(currentActor(), ownership ? 'owner' : 'update', {
      type: 'organization_member',
      id: userId,
      owner: orgOwner(org.id),
    });
    await this.db.knex.transaction(async (trx) => {
      if (!(await User.query(trx).findById(userId))) throw notFound('User', userId);
      const existing = await OrganizationMember.query(trx).findById([org.id, userId]).forUpdate();
      if (!ownership && existing?.role === 'org_owner') throw roleChangedMeanwhile();
      if (existing?.role === 'org_owner' && role !== 'org_owner')
        await this.assertAnotherOwner(trx, org.id, userId);
      await trx(OrganizationMember.tableName)
        .insert({ organizationId: org.id, userId, role })
        .onConflict(['organizationId', 'userId'])
        .merge({ role });
      await this.audit.recordInTransaction(trx, {
        operation: 'organization_member.set',
        resourceType: 'organization_member',
        resourceId: userId,
        organizationId: org.id,
        metadata: { role, previousRole: existing?.role ?? null },
      });
    });
    this.cache.clear();
    const members = await this.members<OrganizationRole>(
      OrganizationMember.tableName,
      'organizationId',
      org.id,
    );
    return members.find((m) => m.userId === userId)!;
  }

  /**
   * Adds the user who signs in with `email` (matched as sign-in matches it) to the
   * organization; unlike `setOrganizationMember` it never changes an existing member's role.
   * Authorized before the lookup, so only those who may add members learn whether an email
   * has an account. Audited as `organization_member.set`, like any other addition.
   */
  async addOrganizationMemberByEmail(
    organizationId: string,
    email: string,
    role: OrganizationRole,
  ): Promise<MemberView<OrganizationRole>> {
    const org = await this.findOrganization(organizationId);
    await this.authorizer.authorize(
      currentActor(),
      role === 'org_owner' ? 'owner' : 'update',
      { type: 'organization_member', owner: orgOwner(org.id) },
      { email },
    );
    const userId = await this.db.knex.transaction(async (trx) => {
      const user = await findUserByEmail(trx, email);
      if (!user) {
        throw new KernelError(
          'not_found',
          'No account uses that email; a platform admin creates accounts under Users.',
        );
      }
      const alreadyMember = `${user.displayName} (${user.email}) is already a member of this organization; change their role in the member list instead.`;
      if (await OrganizationMember.query(trx).findById([org.id, user.id]))
        throw new KernelError('conflict', alreadyMember);
      await uniquely(alreadyMember, () =>
        OrganizationMember.query(trx).insert({ organizationId: org.id, userId: user.id, role }),
      );
      await this.audit.recordInTransaction(trx, {
        operation: 'organization_member.set',
        resourceType: 'organization_member',
        resourceId: user.id,
        organizationId: org.id,
        metadata: { role, previousRole: null },
      });
      return user.id;
    });
    this.cache.clear();
    const members = await this.members<OrganizationRole>(
      OrganizationMember.tableName,
      'organizationId',
      org.id,
    );
    return members.find((m) => m.userId === userId)!;
  }

  async removeOrganizationMember(organizationId: string, userId: string): Promise<void> {
    const org = await this.findOrganization(organizationId);
    const current = await OrganizationMember.query(this.db.knex).findById([org.id, userId]);
    const ownership = current?.role === 'org_owner';
    await this.authorizer.authorize(currentActor(), ownership ? 'owner' : 'update', {
      type: 'organization_member',
      id: userId,
      owner: orgOwner(org.id),
    });
    await this.db.knex.transaction(async (trx) => {
      const existing = await OrganizationMember.query(trx).findById([org.id, userId]).forUpdate();
      if (!existing) throw notFound('Member', userId);
      if (!ownership && existing.role === 'org_owner') throw roleChangedMeanwhile();
      if (existing.role === 'org_owner') await this.assertAnotherOwner(trx, org.id, userId);
      await OrganizationMember.query(trx).deleteById([org.id, userId]);
      // Leaving an organization also leaves its teams.
      await trx(TeamMember.tableName)
        .where('userId', userId)
        .whereIn('teamId', trx(Team.tableName).select('id').where('organizationId', org.id))
        .delete();
      await this.audit.recordInTransaction(trx, {
        operation: 'organization_member.removed',
        resourceType: 'organization_member',
        resourceId: userId,
        organizationId: org.id,
        metadata: { role: existing.role },
      });
    });
    this.cache.clear();
  }

  async createTeam(organizationId: string, input: { slug: string; name: string }): Promise<TeamView> {
    const org = await this.findOrganization(organizationId);
    await this.authorizer.authorize(currentActor(), 'create', { type: 'team', owner: orgOwner(org.id) });
    return this.db.knex.transaction(async (trx) => {
      const team = await uniquely(
        `A team with the slug "${input.slug}" already exists in this organization.`,
        () =>
          Team.query(trx).insertAndFetch({
            organizationId: org.id,
            slug: input.slug,
            name: input.name.trim(),
          }),
      );
      await this.audit.recordInTransaction(trx, {
        operation: 'team.created',
        resourceType: 'team',
        resourceId: team.id,
        organizationId: org.id,
        metadata: { slug: team.slug },
      });
      return viewTeam(team);
    });
  }

  /** Org admins see every team of the organization; members see the teams they belong to. */
  async listTeams(organizationId: string): Promise<TeamView[]> {
    const actor = currentActor();
    const org = await this.findOrganization(organizationId);
    await this.authorizer.authorize(actor, 'list', { type: 'team', owner: orgOwner(org.id) });
    const orgRole = actor.organizations.find((o) => o.id === org.id)?.role;
    const seesAll =
      actor.platformRole === 'platform_admin' ||
      actor.principalType === 'system' ||
      orgRole === 'org_owner' ||
      orgRole === 'org_admin';
    const query = Team.query(this.db.knex).where('organizationId', org.id).orderBy('name');
    if (!seesAll)
      query.whereIn(
        'id',
        actor.teams.map((t) => t.id),
      );
    return (await query).map(viewTeam);
  }

  async getTeam(teamId: string): Promise<TeamView> {
    const team = await this.findTeam(teamId);
    await this.authorizer.authorize(currentActor(), 'read', {
      type: 'team',
      id: team.id,
      owner: teamOwner(team),
    });
    return viewTeam(team);
  }

  async updateTeam(teamId: string, input: { name?: string }): Promise<TeamView> {
    const team = await this.findTeam(teamId);
    await this.authorizer.authorize(currentActor(), 'update', {
      type: 'team',
      id: team.id,
      owner: teamOwner(team),
    });
    return this.db.knex.transaction(async (trx) => {
      const updated = await Team.query(trx).patchAndFetchById(team.id, {
        ...(input.name ? { name: input.name.trim() } : {}),
        updatedAt: new Date(),
      });
      await this.audit.recordInTransaction(trx, {
        operation: 'team.updated',
        resourceType: 'team',
        resourceId: team.id,
        organizationId: team.organizationId,
        metadata: { name: updated.name },
      });
      return viewTeam(updated);
    });
  }

  async deleteTeam(teamId: string): Promise<void> {
    const team = await this.findTeam(teamId);
    await this.authorizer.authorize(currentActor(), 'delete', {
      type: 'team',
      id: team.id,
      owner: teamOwner(team),
    });
    await this.db.knex.transaction(async (trx) => {
      await Team.query(trx).deleteById(team.id);
      await this.audit.recordInTransaction(trx, {
        operation: 'team.deleted',
        resourceType: 'team',
        resourceId: team.id,
        organizationId: team.organizationId,
        metadata: { slug: team.slug },
      });
    });
    this.cache.clear();
  }

  async listTeamMembers(teamId: string): Promise<MemberView<TeamRole>[]> {
    const team = await this.findTeam(teamId);
    await this.authorizer.authorize(currentActor(), 'list', { type: 'team_member', owner: teamOwner(team) });
    return this.members(TeamMember.tableName, 'teamId', team.id);
  }

  async setTeamMember(teamId: string, userId: string, role: TeamRole): Promise<MemberView<TeamRole>> {
    const team = await this.findTeam(teamId);
    await this.authorizer.authorize(currentActor(), 'update', {
      type: 'team_member',
      id: userId,
      owner: teamOwner(team),
    });
    await this.db.knex.transaction(async (trx) => {
      if (!(await User.query(trx).findById(userId))) throw notFound('User', userId);
      if (!(await OrganizationMember.query(trx).findById([team.organizationId, userId]))) {
        throw new KernelError(
          'conflict',
          'Only members of the organization can join its teams; add the user to the organization first.',
        );
      }
      const existing = await TeamMember.query(trx).findById([team.id, userId]);
      await trx(TeamMember.tableName)
        .insert({ teamId: team.id, userId, role })
        .onConflict(['teamId', 'userId'])
        .merge({ role });
      await this.audit.recordInTransaction(trx, {
        operation: 'team_member.set',
        resourceType: 'team_member',
        resourceId: userId,
        organizationId: team.organizationId,
        metadata: { teamId: team.id, role, previousRole: existing?.role ?? null },
      });
    });
    this.cache.clear();
    const members = await this.members<TeamRole>(TeamMember.tableName, 'teamId', team.id);
    return members.find((m) => m.userId === userId)!;
  }

  async removeTeamMember(teamId: string, userId: string): Promise<void> {
    const team = await this.findTeam(teamId);
    await this.authorizer.authorize(currentActor(), 'update', {
      type: 'team_member',
      id: userId,
      owner: teamOwner(team),
    });
    await this.db.knex.transaction(async (trx) => {
      const removed = await TeamMember.query(trx).deleteById([team.id, userId]);
      if (removed === 0) throw notFound('Member', userId);
      await this.audit.recordInTransaction(trx, {
        operation: 'team_member.removed',
        resourceType: 'team_member',
        resourceId: userId,
        organizationId: team.organizationId,
        metadata: { teamId: team.id },
      });
    });
    this.cache.clear();
  }

  private async findOrganization(organizationId: string): Promise<Organization> {
    const org = await Organization.query(this.db.knex).findById(organizationId);
    if (!org) throw notFound('Organization', organizationId);
    return org;
  }

  private async findTeam(teamId: string): Promise<Team> {
    const team = await Team.query(this.db.knex).findById(teamId);
    if (!team) throw notFound('Team', teamId);
    return team;
  }

  private async assertAnotherOwner(
    trx: Parameters<Parameters<Database['knex']['transaction']>[0]>[0],
    organizationId: string,
    leavingUserId: string,
  ): Promise<void> {
    const others = await OrganizationMember.query(trx)
      .where({ organizationId, role: 'org_owner' })
      .whereNot('userId', leavingUserId)
      .resultSize();
    if (others === 0)
      throw new KernelError(
        'conflict',
        'An organization needs at least one org_owner; make someone else owner first.',
      );
  }

  private async members<Role extends string>(
    table: string,
    key: string,
    id: string,
  ): Promise<MemberView<Role>[]> {
    const rows = await this.db
      .knex(table)
      .join('users', 'users.id', `${table}.userId`)
      .where(`${table}.${key}`, id)
      .orderBy('users.displayName')
      .select(
        'users.id as userId',
        'users.email',
        'users.displayName',
        `${table}.role`,
        `${table}.createdAt`,
      );
    return rows.map(
      (r: { userId: string; email: string; displayName: string; role: Role; createdAt: Date }) => ({
        userId: r.userId,
        email: r.email,
        displayName: r.displayName,
        role: r.role,
        since: new Date(r.createdAt).toISOString(),
      }),
    );
  }
}

async function uniquely<T>(message: string, insert: () => PromiseLike<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isPgError(error, PG_UNIQUE_VIOLATION)) throw new KernelError('conflict', message);
    throw error;
  }
}

/** Authorization was decided on the role read before the transaction; it became org_owner since. */
const roleChangedMeanwhile = (): KernelError =>
  new KernelError('conflict', "The member's role changed while this request ran; try again.");

export const ORGANIZATION_DIRECTORY: InjectionToken<OrganizationDirectory> = OrganizationDirectory;
