/**
 * Finds literal credentials in a piece of text: well-known key formats by their prefix, JSON Web
 * Tokens by their shape, passwords in URLs, and otherwise high-entropy tokens. Placeholders —
 * `{{ name }}`, `{# … #}` comments, `${NAME}` — are blanked first: a value that is filled in at
 * run time is exactly what an author should write instead of a secret.
 */

export interface CredentialMatch {
  /** What was recognised, e.g. `OpenAI API key`, `JSON Web Token`, `high-entropy token`. */
  kind: string;
  /** Offset of the match in the text. */
  index: number;
  /** The match with all but its first characters removed, safe to print. */
  redacted: string;
}

interface KnownFormat {
  kind: string;
  pattern: RegExp;
  /** Characters of the match that identify the format and may be shown. */
  shown: number;
}

// Ordered most specific first: a range claimed by one format is not reported again by another.
const KNOWN_FORMATS: readonly KnownFormat[] = [
  { kind: 'Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g, shown: 7 },
  { kind: 'OpenAI API key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, shown: 3 },
  { kind: 'Stripe secret key', pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, shown: 8 },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, shown: 4 },
  { kind: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/g, shown: 4 },
  { kind: 'GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g, shown: 11 },
  { kind: 'GitLab token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g, shown: 6 },
  { kind: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, shown: 5 },
  { kind: 'Google API key', pattern: /\bAIza[A-Za-z0-9_-]{35}/g, shown: 4 },
  { kind: 'Google OAuth token', pattern: /\bya29\.[A-Za-z0-9_-]{20,}/g, shown: 5 },
  { kind: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}/g, shown: 4 },
  { kind: 'Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{30,}/g, shown: 3 },
  { kind: 'private key', pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/g, shown: 11 },
  // Header and payload of a JWT are base64url JSON objects, so both begin with `eyJ` (`{"`).
  {
    kind: 'JSON Web Token',
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g,
    shown: 3,
  },
];

const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:([^\s/@]+)@/gi;
const URL = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
const PLACEHOLDERS = /\{\{[\s\S]*?\}\}|\{#[\s\S]*?#\}|\$\{[^}]*\}/g;
const TOKEN = /[A-Za-z0-9+/=_-]+/g;

/** Tokens shorter than this are too short to be a secret worth the noise of flagging. */
export const MIN_SECRET_LENGTH = 24;
/** Longer runs are encoded blobs (images, bundles), not credentials. */
export const MAX_SECRET_LENGTH = 256;
/** Shannon entropy in bits per character from which a token may be random. */
export const ENTROPY_THRESHOLD = 4;
/**
 * Share of adjacent character pairs that change class (lower, upper, digit, symbol) from which a
 * token reads as random. Generated base62 text changes class at about 0.6 of its pairs;
 * identifiers and words, built from runs of one class, at well under 0.35.
 */
export const CLASS_CHANGE_THRESHOLD = 0.4;

export function findCredentials(text: string): CredentialMatch[] {
  const scanned = blank(text, PLACEHOLDERS);
  const matches: CredentialMatch[] = [];
  const claimed: Array<[number, number]> = [];
  const isClaimed = (start: number, end: number) => claimed.some(([from, to]) => start < to && end > from);

  for (const format of KNOWN_FORMATS) {
    for (const match of scanned.matchAll(format.pattern)) {
      const end = match.index + match[0].length;
      if (isClaimed(match.index, end)) continue;
      claimed.push([match.index, end]);
      matches.push({ kind: format.kind, index: match.index, redacted: redact(match[0], format.shown) });
    }
  }
  for (const match of scanned.matchAll(URL_WITH_PASSWORD)) {
    const password = match[1]!;
    const start = match.index + match[0].length - 1 - password.length;
    if (isClaimed(start, start + password.length)) continue;
    claimed.push([start, start + password.length]);
    matches.push({ kind: 'password in URL', index: start, redacted: redact(password, 0) });
  }
  // URLs are long and varied enough to look random; a key inside one is still caught above.
  const withoutUrls = blank(scanned, URL);
  for (const match of withoutUrls.matchAll(TOKEN)) {
    const token = match[0];
    const end = match.index + token.length;
    if (!isHighEntropyToken(token) || isClaimed(match.index, end)) continue;
    claimed.push([match.index, end]);
    matches.push({ kind: 'high-entropy token', index: match.index, redacted: redact(token, 4) });
  }
  return matches.sort((a, b) => a.index - b.index);
}

/**
 * A token reads as a generated secret when it is long, mixes upper case, lower case and digits,
 * its characters are close to uniformly distributed, and it keeps switching character class —
 * the last test is what tells `k9QmZ2xV…` from `ValidateAgentSpecOptions123`, which has as many
 * distinct characters. Lower-case hexadecimal (hashes, ids) never qualifies.
 */
export function isHighEntropyToken(token: string): boolean {
  if (token.length < MIN_SECRET_LENGTH || token.length > MAX_SECRET_LENGTH) return false;
  // Subresource-integrity digests are public by design.
  if (/^sha(?:256|384|512)-/.test(token)) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/[0-9]/.test(token)) return false;
  return shannonEntropy(token) >= ENTROPY_THRESHOLD && classChangeRatio(token) >= CLASS_CHANGE_THRESHOLD;
}

// Separators (`-`, `_`, `/`, `+`, `=`) are left out: they split words in names as often as they
// appear in generated text.
function classChangeRatio(token: string): number {
  const classes = [...token].map(classOf).filter((kind) => kind !== 'separator');
  let changes = 0;
  for (let index = 1; index < classes.length; index++) {
    if (classes[index] !== classes[index - 1]) changes++;
  }
  return classes.length < 2 ? 0 : changes / (classes.length - 1);
}

function classOf(character: string): 'lower' | 'upper' | 'digit' | 'separator' {
  if (character >= 'a' && character <= 'z') return 'lower';
  if (character >= 'A' && character <= 'Z') return 'upper';
  if (character >= '0' && character <= '9') return 'digit';
  return 'separator';
}

/** Bits per character of the string's own character distribution. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  const length = [...text].length;
  let entropy = 0;
  for (const count of counts.values()) {
    const probability = count / length;
    entropy -= probability * Math.log2(probability);
  }
  return entropy;
}

function blank(text: string, pattern: RegExp): string {
  return text.replace(pattern, (match) => ' '.repeat(match.length));
}

function redact(secret: string, shown: number): string {
  return `${secret.slice(0, shown)}… (${secret.length} characters)`;
}
