/** How the pages write dates and counts, in the reader's locale. */

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A day, e.g. Jan 5, 2026. */
export function formatDate(iso: string): string {
  return DATE.format(new Date(iso));
}

/** A day and a time to the minute; — for none, the text itself when it is not a date. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DATE_TIME.format(date);
}

/** A count with its noun: 1 agent, 3 agents (`many` for other plurals). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
