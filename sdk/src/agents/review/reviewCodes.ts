/** How much a finding matters: a blocker stops a publish, a warning is shown, an advisory suggests. */
export type ReviewSeverity = 'blocker' | 'warning' | 'advisory';

/**
 * Every code the review can report, with the one severity it always has. Codes are stable; a code
 * is never renamed or reused for another meaning.
 */
export const AGENT_SPEC_REVIEW_CODES = {
  unreadable_document: {
    severity: 'blocker',
    meaning: 'The document cannot be loaded as Agent Spec (the message carries the loader’s code).',
  },
  literal_credential: {
    severity: 'blocker',
    meaning:
      'A literal credential: a known key format, a JSON Web Token, a password in a URL or a high-entropy token.',
  },
  untrusted_external_url: {
    severity: 'blocker',
    meaning:
      'A URL field points at a host outside the instance that is not on the allow-list, or cannot be parsed.',
  },
  package_json_unreadable: { severity: 'blocker', meaning: 'The package.json given is not a JSON object.' },
  package_missing_license: { severity: 'blocker', meaning: 'package.json has no `license`.' },
  package_version_drift: {
    severity: 'blocker',
    meaning: 'The version in the document’s `metadata.cinatra` differs from package.json’s `version`.',
  },
  package_name_drift: {
    severity: 'blocker',
    meaning: 'The `metadata.cinatra.packageName` of the document differs from package.json’s `name`.',
  },
  url_host_from_input: {
    severity: 'warning',
    meaning: 'A URL field takes its host from a run input, so where the call goes is decided at run time.',
  },
  loopback_url: {
    severity: 'warning',
    meaning: 'A URL field points at localhost, which is a different machine on every instance and runtime.',
  },
  start_input_not_required_or_hidden: {
    severity: 'warning',
    meaning:
      'A StartNode input is listed in neither `metadata.cinatra.required` nor `metadata.cinatra.hidden`.',
  },
  description_too_long: {
    severity: 'advisory',
    meaning: 'The agent’s description is longer than 200 characters.',
  },
  missing_description: { severity: 'advisory', meaning: 'The agent has no description.' },
  input_missing_description: {
    severity: 'advisory',
    meaning: 'An input callers see has no description.',
  },
} as const satisfies Record<string, { severity: ReviewSeverity; meaning: string }>;

export type AgentSpecReviewCode = keyof typeof AGENT_SPEC_REVIEW_CODES;
