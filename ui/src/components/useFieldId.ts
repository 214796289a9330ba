import { useId } from 'vue';

/** Ids tying a control to its label, hint and error (`aria-describedby`). */
export function useFieldId(explicit?: string) {
  const id = explicit ?? `f-${useId()}`;
  return { id, hintId: `${id}-hint`, errorId: `${id}-error` };
}

export function describedBy(ids: { hintId: string; errorId: string }, hint?: string, error?: string | null) {
  return [hint ? ids.hintId : null, error ? ids.errorId : null].filter(Boolean).join(' ') || undefined;
}
