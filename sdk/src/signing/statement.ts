/**
 * What a signature says about a package: an in-toto Statement v1 whose subject is the
 * tarball and whose predicate lists every file with its digest. Binding paths (not just the
 * tarball) lets the platform re-verify the unpacked directory at every load: a file that is
 * changed, missing or not in the list refuses to load.
 */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://cinatra.dev/extension-files/v1';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface ExtensionStatement {
  _type: typeof STATEMENT_TYPE;
  subject: [{ name: string; digest: { sha256: string } }];
  predicateType: typeof PREDICATE_TYPE;
  predicate: {
    name: string;
    version: string;
    /** Package-relative, `/`-separated path → sha256 hex, in sorted path order. */
    files: Record<string, string>;
  };
}

export const tarballSubjectName = (name: string, version: string): string => `${name}@${version}.tgz`;

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses the DSSE payload; null when it is not a statement of ours. */
export function parseStatement(payload: Buffer): ExtensionStatement | null {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  const s = value as Partial<ExtensionStatement> | null;
  if (!s || s._type !== STATEMENT_TYPE || s.predicateType !== PREDICATE_TYPE) return null;
  const subject = Array.isArray(s.subject) && s.subject.length === 1 ? s.subject[0] : null;
  const p = s.predicate;
  if (!subject || typeof subject.name !== 'string' || !HEX64.test(String(subject.digest?.sha256)))
    return null;
  if (!p || typeof p.name !== 'string' || typeof p.version !== 'string') return null;
  if (!p.files || typeof p.files !== 'object' || Array.isArray(p.files)) return null;
  if (!Object.values(p.files).every((digest) => typeof digest === 'string' && HEX64.test(digest)))
    return null;
  if (subject.name !== tarballSubjectName(p.name, p.version)) return null;
  return s as ExtensionStatement;
}
