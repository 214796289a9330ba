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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function userId(value: string): string | null {
  if (!value.trim()) return "Enter the user's ID.";
  return UUID.test(value.trim()) ? null : 'Enter a user ID like 0b6f1c2e-5d4a-4f3b-9a8c-1e2d3c4b5a69.';
}

/** The list with one more item, in name order as the API lists them. */
export function insertByName<T extends { name: string }>(list: readonly T[] | undefined, item: T): T[] {
  return [...(list ?? []), item].sort((a, b) => a.name.localeCompare(b.name));
}
