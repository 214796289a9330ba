import { placeholdersOf } from '../load/placeholders.js';

/** All-caps names are environment variables, substituted before the runtime reads the document. */
const ENVIRONMENT_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Names of the input placeholders in a template (the spec's `{{ name }}` pattern, matched
 * lexically, so names inside `{# … #}` comments count), in order of first use, environment
 * names left out.
 */
export function placeholderNames(template: string): string[] {
  return placeholdersOf(template).filter((name) => !ENVIRONMENT_NAME.test(name));
}
