import { computed, ref, shallowRef, type Ref } from 'vue';
import { useFormErrors } from './useFormErrors';

/**
 * A form that sends a request: its errors (see useFormErrors) and whether it is busy.
 * `submit` runs the request with `busy` set; a refusal is shown on the form, next to the
 * fields the server named when they are `known`.
 */
export function useForm<Field extends string>(known: readonly Field[] = []) {
  const errors = useFormErrors<Field>();
  const busy = ref(false);

  async function submit(send: () => Promise<void>): Promise<void> {
    busy.value = true;
    try {
      await send();
    } catch (error) {
      errors.fromProblem(error, known);
    } finally {
      busy.value = false;
    }
  }

  return { errors, busy, submit };
}

/**
 * A form in a dialog (see useForm): the draft it edits and what it is open for (a row of a
 * list, a mode), null while closed. `open` shows it with a fresh draft and no errors.
 * The fields default to the draft's keys.
 */
export function useFormDialog<Draft, Field extends string = Extract<keyof Draft, string>, Subject = true>(
  blank: () => Draft,
  known: readonly NoInfer<Field>[] = [],
) {
  const form = useForm<Field>(known);
  const draft = ref(blank()) as Ref<Draft>;
  const subject = shallowRef<Subject | null>(null);
  const isOpen = computed(() => subject.value !== null);

  function open(initial: Draft = blank(), about: Subject = true as Subject): void {
    draft.value = initial;
    form.errors.clear();
    subject.value = about;
  }

  function close(): void {
    subject.value = null;
  }

  return { ...form, draft, subject, isOpen, open, close };
}
