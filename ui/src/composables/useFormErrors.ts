import { ref } from 'vue';
import { ApiProblem, problemMessage } from '../api/problem';

/**
 * Errors of a form: per field (checked before sending, or named by the server's problem
 * `errors`) and one message for the whole form.
 */
export function useFormErrors<Field extends string>() {
  const fields = ref<Partial<Record<Field, string>>>({});
  const form = ref<string | null>(null);

  function clear(): void {
    fields.value = {};
    form.value = null;
  }

  /** Records the checks that failed; true when there were none. */
  function check(failures: Partial<Record<Field, string | false | null | undefined>>): boolean {
    clear();
    for (const [field, message] of Object.entries(failures) as Array<[Field, string | false | null]>) {
      if (message) fields.value[field] = message;
    }
    return Object.keys(fields.value).length === 0;
  }

  /** Shows a refusal: fields the server named (`/body/<field>`) next to them, the message on top. */
  function fromProblem(error: unknown, known: readonly Field[] = []): void {
    form.value = problemMessage(error);
    if (error instanceof ApiProblem) {
      for (const { path, message } of error.errors) {
        const field = path.replace(/^\/body\//, '').split('/')[0] as Field;
        if (known.includes(field)) fields.value[field] = message;
      }
    }
  }

  return { fields, form, clear, check, fromProblem };
}
