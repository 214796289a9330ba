import { Type } from 'typebox';
import { ORGANIZATION_DIRECTORY, type Kernel } from '@cinatra/kernel';
import type { CinatraServer } from '../createServer.js';
import { DisplayName, Email, OrganizationRole, Slug, Uuid, withProblems } from '../schemas.js';

const OrgParams = Type.Object({ organizationId: Uuid });
const MemberParams = Type.Object({ organizationId: Uuid, userId: Uuid });

export function organizationRoutes(app: CinatraServer, kernel: Kernel): void {
  const directory = kernel.resolve(ORGANIZATION_DIRECTORY);

  app.get(
    '/api/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Organizations you belong to (all of them for platform admins)',
        response: withProblems({ 200: Type.Array(Type.Ref('Organization')) }),
      },
    },
    async () => directory.listOrganizations(),
  );

  app.post(
    '/api/organizations',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Create an organization; the caller (or ownerId) becomes org_owner',
        body: Type.Object(
          { slug: Slug, name: DisplayName, ownerId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: Type.Ref('Organization') }),
      },
    },
    async (request, reply) => {
      reply.code(201);
      return directory.createOrganization(request.body);
    },
  );

  app.get(
    '/api/organizations/:organizationId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Read an organization',
        params: OrgParams,
        response: withProblems({ 200: Type.Ref('Organization') }),
      },
    },
    async (request) => directory.getOrganization(request.params.organizationId),
  );

  app.patch(
    '/api/organizations/:organizationId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Rename an organization (org admins)',
        params: OrgParams,
        body: Type.Object({ name: DisplayName }, { additionalProperties: false }),
        response: withProblems({ 200: Type.Ref('Organization') }),
      },
    },
    async (request) => directory.updateOrganization(request.params.organizationId, request.body),
  );

  app.delete(
    '/api/organizations/:organizationId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Delete an organization with its teams (org owners)',
        params: OrgParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await directory.deleteOrganization(request.params.organizationId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/organizations/:organizationId/members',
    {
      schema: {
        tags: ['organizations'],
        summary: 'List organization members',
        params: OrgParams,
        response: withProblems({ 200: Type.Array(Type.Ref('OrganizationMember')) }),
      },
    },
    async (request) => directory.listOrganizationMembers(request.params.organizationId),
  );

  // Org admins cannot list users, so they name the person by the email they sign in with.
  // The 404 for an unknown email tells them whether an account exists; only those who may
  // add members get that far.
  app.post(
    '/api/organizations/:organizationId/members',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Add an existing user, found by email, as a member (org admins)',
        params: OrgParams,
        body: Type.Object({ email: Email, role: OrganizationRole }, { additionalProperties: false }),
        response: withProblems({ 201: Type.Ref('OrganizationMember') }),
      },
    },
    async (request, reply) => {
      const member = await directory.addOrganizationMemberByEmail(
        request.params.organizationId,
        request.body.email,
        request.body.role,
      );
      reply.code(201);
      return member;
    },
  );

  app.put(
    '/api/organizations/:organizationId/members/:userId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Add a member or change their role (org admins)',
        params: MemberParams,
        body: Type.Object({ role: OrganizationRole }, { additionalProperties: false }),
        response: withProblems({ 200: Type.Ref('OrganizationMember') }),
      },
    },
    async (request) =>
      directory.setOrganizationMember(
        request.params.organizationId,
        request.params.userId,
        request.body.role,
      ),
  );

  app.delete(
    '/api/organizations/:organizationId/members/:userId',
    {
      schema: {
        tags: ['organizations'],
        summary: 'Remove a member from the organization and its teams',
        params: MemberParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await directory.removeOrganizationMember(request.params.organizationId, request.params.userId);
      return reply.code(204).send(null);
    },
  );
}
