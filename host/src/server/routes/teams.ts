import { Type } from 'typebox';
import { ORGANIZATION_DIRECTORY, type Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { DisplayName, Slug, TeamRole, Uuid, withProblems } from '../schemas.js';

const OrgParams = Type.Object({ organizationId: Uuid });
const TeamParams = Type.Object({ teamId: Uuid });
const MemberParams = Type.Object({ teamId: Uuid, userId: Uuid });

export function teamRoutes(app: CinatraServer, kernel: Kernel): void {
  const directory = kernel.resolve(ORGANIZATION_DIRECTORY);

  app.get(
    '/api/organizations/:organizationId/teams',
    {
      schema: {
        tags: ['teams'],
        summary: 'Teams of an organization visible to you',
        params: OrgParams,
        response: withProblems({ 200: Type.Array(Type.Ref('Team')) }),
      },
    },
    async (request) => directory.listTeams(request.params.organizationId),
  );

  app.post(
    '/api/organizations/:organizationId/teams',
    {
      schema: {
        tags: ['teams'],
        summary: 'Create a team (org admins)',
        params: OrgParams,
        body: Type.Object({ slug: Slug, name: DisplayName }, { additionalProperties: false }),
        response: withProblems({ 201: Type.Ref('Team') }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return directory.createTeam(request.params.organizationId, request.body);
    },
  );

  app.get(
    '/api/teams/:teamId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Read a team (members and org admins)',
        params: TeamParams,
        response: withProblems({ 200: Type.Ref('Team') }),
      },
    },
    async (request) => directory.getTeam(request.params.teamId),
  );

  app.patch(
    '/api/teams/:teamId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Rename a team (team admins, org admins)',
        params: TeamParams,
        body: Type.Object({ name: DisplayName }, { additionalProperties: false }),
        response: withProblems({ 200: Type.Ref('Team') }),
      },
    },
    async (request) => directory.updateTeam(request.params.teamId, request.body),
  );

  app.delete(
    '/api/teams/:teamId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Delete a team (org admins)',
        params: TeamParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await directory.deleteTeam(request.params.teamId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/teams/:teamId/members',
    {
      schema: {
        tags: ['teams'],
        summary: 'List team members',
        params: TeamParams,
        response: withProblems({ 200: Type.Array(Type.Ref('TeamMember')) }),
      },
    },
    async (request) => directory.listTeamMembers(request.params.teamId),
  );

  app.put(
    '/api/teams/:teamId/members/:userId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Add an organization member to the team or change their role',
        params: MemberParams,
        body: Type.Object({ role: TeamRole }, { additionalProperties: false }),
        response: withProblems({ 200: Type.Ref('TeamMember') }),
      },
    },
    async (request) =>
      directory.setTeamMember(request.params.teamId, request.params.userId, request.body.role),
  );

  app.delete(
    '/api/teams/:teamId/members/:userId',
    {
      schema: {
        tags: ['teams'],
        summary: 'Remove a member from the team',
        params: MemberParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await directory.removeTeamMember(request.params.teamId, request.params.userId);
      return reply.code(204).send(null);
    },
  );
}
