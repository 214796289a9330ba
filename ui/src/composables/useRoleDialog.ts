import { useFormDialog } from './useForm';

/**
 * Changing a role in a dialog: `open` starts from the target's current role; `save` sends
 * the chosen one (nothing when it did not change) and closes, or shows the refusal.
 */
export function useRoleDialog<Target, Role extends string, Field extends string>(options: {
  roleOf: (target: Target) => Role;
  /** The field the server names for the role. */
  field: Field;
  save: (target: Target, role: Role) => Promise<void>;
}) {
  const dialog = useFormDialog<string, Field, Target>(() => '', [options.field]);

  function open(target: Target): void {
    dialog.open(options.roleOf(target), target);
  }

  async function save(): Promise<void> {
    const target = dialog.subject.value;
    if (target === null) return;
    if (dialog.draft.value === options.roleOf(target)) {
      dialog.close();
      return;
    }
    dialog.errors.clear();
    await dialog.submit(async () => {
      await options.save(target, dialog.draft.value as Role);
      dialog.close();
    });
  }

  return { ...dialog, open, save };
}
