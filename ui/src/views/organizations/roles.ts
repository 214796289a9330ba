import type { Schemas } from '../../api/client';

export type OrganizationRole = Schemas['OrganizationMember']['role'];
export type TeamRole = Schemas['TeamMember']['role'];

export const ORGANIZATION_ROLE_LABELS: Record<OrganizationRole, string> = {
  org_owner: 'Owner',
  org_admin: 'Administrator',
  member: 'Member',
};

export const ORGANIZATION_ROLE_HINT =
  'Members see the organization and the teams they are in. Administrators manage members and teams. Owners can also delete the organization and name other owners.';

export const TEAM_ROLE_LABELS: Record<TeamRole, string> = {
  team_admin: 'Team administrator',
  member: 'Member',
};

export const TEAM_ROLE_HINT = 'Team administrators can rename the team and manage its members.';

/** The organization and team slug rule of the API: lowercase letters, digits and inner hyphens. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

export function slug(value: string): string | null {
  if (!value.trim()) return 'Enter a short name for addresses, like acme or platform-team.';
  return SLUG.test(value)
    ? null
    : 'Use lowercase letters, digits and hyphens (not at the start or end), at most 63 characters.';
}

/** The list with one more item, in name order as the API lists them. */
export function insertByName<T extends { name: string }>(list: readonly T[] | undefined, item: T): T[] {
  return [...(list ?? []), item].sort((a, b) => a.name.localeCompare(b.name));
}
