/** The four ownership tiers of every resource. */
export type Owner =
  | { tier: 'user'; userId: string }
  | { tier: 'team'; teamId: string; organizationId: string }
  | { tier: 'organization'; organizationId: string }
  | { tier: 'workspace' };

/**
 * What an action is about. For `create` and `list`, `id` is absent and `owner` is the
 * scope the new or listed resources live in.
 */
export interface ResourceRef {
  type: string;
  id?: string;
  /**
   * The part of the resource the action is about, when narrower than the resource (the tool of
   * an extension). Only token action scopes look at it (`extension:call_tool:<id>/<part>`).
   */
  part?: string;
  owner: Owner;
}

export const WORKSPACE: Owner = Object.freeze({ tier: 'workspace' });

export function organizationIdOf(owner: Owner): string | null {
  return owner.tier === 'organization' || owner.tier === 'team' ? owner.organizationId : null;
}
