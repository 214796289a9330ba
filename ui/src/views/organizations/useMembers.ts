import { computed, ref, shallowRef } from 'vue';
import { useForm } from '../../composables/useForm';
import { useRoleDialog } from '../../composables/useRoleDialog';
import type { Resource } from '../../composables/useResource';
import { useSessionStore } from '../../stores/session';

export interface Membership<Role extends string> {
  userId: string;
  displayName: string;
  role: Role;
}

/** A member as listed: who, their role and since when. */
export interface ListedMember<Role extends string> extends Membership<Role> {
  email: string;
  since: string;
}

/** Someone who may be added: a user, or a member of the organization a team belongs to. */
export interface Person {
  id: string;
  displayName: string;
  email: string;
}

export interface MembersOptions<Member extends ListedMember<Role>, Role extends string> {
  members: Resource<Member[]>;
  /** The people to choose from; current members are left out. */
  people: () => Person[];
  labels: Record<Role, string>;
  /** Checks who to add, as the picker filled it in: a message when it will not do. */
  checkWho: (who: string) => string | false | null;
  /** Adds who was picked (a user ID) or typed (an email address) with a role. */
  add: (who: string, role: Role) => Promise<Member>;
  /** Sets a member's role. */
  put: (userId: string, role: Role) => Promise<Member>;
  remove: (userId: string) => Promise<void>;
  /** Where a removed member leaves, e.g. "the team". */
  removedFrom: string;
}

/**
 * Managing the members of an organization or a team: adding one (checked first), changing a
 * role in a dialog, removing one after a confirmation, and the notice saying what was done.
 * After a change to your own membership the session is read again, so the page shows what you
 * may now do.
 */
export function useMembers<Member extends ListedMember<Role>, Role extends string>(
  options: MembersOptions<Member, Role>,
) {
  const session = useSessionStore();
  const { members, labels } = options;
  const notice = ref<string | null>(null);
  const list = () => members.data.value ?? [];
  const roleWord = (role: Role) => labels[role].toLowerCase();

  async function refreshOwnRoles(userId: string): Promise<void> {
    if (userId === session.user?.id) await session.load().catch(() => null);
  }

  const candidates = computed(() => {
    const current = new Set(list().map((m) => m.userId));
    return options
      .people()
      .filter((person) => !current.has(person.id))
      .map((person) => ({ value: person.id, label: `${person.displayName} (${person.email})` }));
  });

  // Adding: `who` is a user ID or an email address, and either names a member.
  const addDraft = ref({ who: '', role: 'member' });
  const add = useForm<'who' | 'role'>(['role']);
  const names = (member: Member, who: string) =>
    member.userId === who || member.email.toLowerCase() === who.toLowerCase();

  async function addMember(): Promise<void> {
    notice.value = null;
    const who = addDraft.value.who.trim();
    if (!add.errors.check({ who: options.checkWho(who) })) return;
    if (list().some((m) => names(m, who))) {
      add.errors.check({ who: 'Already a member; change their role in the list instead.' });
      return;
    }
    await add.submit(async () => {
      const member = await options.add(who, addDraft.value.role as Role);
      members.data.value = [...list(), member];
      await refreshOwnRoles(member.userId);
      notice.value = `Added ${member.displayName} as ${roleWord(member.role)}.`;
      addDraft.value = { who: '', role: 'member' };
    });
  }

  // Changing a role.
  const roleDialog = useRoleDialog({
    roleOf: (member: Member) => member.role,
    field: 'role',
    save: async (member, role) => {
      const updated = await options.put(member.userId, role);
      members.data.value = list().map((m) => (m.userId === updated.userId ? updated : m));
      await refreshOwnRoles(updated.userId);
      notice.value = `${updated.displayName} is now ${roleWord(updated.role)}.`;
    },
  });

  // Removing.
  const removeTarget = shallowRef<Member | null>(null);

  async function removeMember(member: Member): Promise<void> {
    await options.remove(member.userId);
    members.data.value = list().filter((m) => m.userId !== member.userId);
    await refreshOwnRoles(member.userId);
    notice.value = `Removed ${member.displayName} from ${options.removedFrom}.`;
  }

  return {
    notice,
    candidates,
    addDraft,
    addErrors: add.errors,
    addBusy: add.busy,
    addMember,
    roleDialog,
    removeTarget,
    removeMember,
  };
}
