import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AGENT_SPEC_REVIEW_CODES,
  findCredentials,
  review,
  type AgentSpecReview,
  type AgentSpecReviewCode,
  type ReviewFinding,
  type ReviewOptions,
} from '../../src/agents/review/index.js';
import { classifyUrl } from '../../src/agents/review/classifyUrl.js';

const FIXTURES = new URL('../fixtures/agents/review/', import.meta.url);
const OPTIONS_FILE = 'review-options.json';

/** A fixture directory is an agent package: oas.json, package.json, other files, optional review options. */
function reviewPackage(directory: string, mode: ReviewOptions['mode']): AgentSpecReview {
  const root = new URL(`${directory}/`, FIXTURES);
  const files = Object.fromEntries(
    readdirSync(root)
      .sort()
      .map((name) => [name, readFileSync(new URL(name, root), 'utf8')]),
  );
  const { 'oas.json': oas, [OPTIONS_FILE]: extra, ...siblingFiles } = files;
  return review(oas!, { mode, siblingFiles, ...(extra ? (JSON.parse(extra) as object) : {}) });
}

const all = (result: AgentSpecReview): ReviewFinding[] => [
  ...result.blockers,
  ...result.warnings,
  ...result.advisories,
];
const where = (findings: ReviewFinding[]) => findings.map(({ code, file, path }) => `${code} ${file}${path}`);

/** Every finding each failing package gives in advisory mode (the fullest review), in order. */
const FAILING: Record<AgentSpecReviewCode, string[]> = {
  unreadable_document: ['unreadable_document oas.json/$referenced_components/ask/url'],
  literal_credential: [
    'literal_credential SKILL.md#L5',
    'literal_credential oas.json/$referenced_components/ask/headers/Authorization',
  ],
  untrusted_external_url: ['untrusted_external_url oas.json/$referenced_components/ask/url'],
  package_json_unreadable: ['package_json_unreadable package.json'],
  package_missing_license: ['package_missing_license package.json/license'],
  package_version_drift: ['package_version_drift oas.json/metadata/cinatra/packageVersion'],
  package_name_drift: ['package_name_drift oas.json/metadata/cinatra/packageName'],
  url_host_from_input: ['url_host_from_input oas.json/$referenced_components/ask/url'],
  loopback_url: ['loopback_url oas.json/$referenced_components/ask/url'],
  start_input_not_required_or_hidden: [
    'start_input_not_required_or_hidden oas.json/$referenced_components/start/inputs/0',
  ],
  description_too_long: ['description_too_long oas.json/description'],
  missing_description: ['missing_description oas.json'],
  input_missing_description: ['input_missing_description oas.json/$referenced_components/start/inputs/0'],
};

describe('review: one failing and one passing package per code', () => {
  it('covers every code', () => {
    expect(Object.keys(FAILING).sort()).toEqual(Object.keys(AGENT_SPEC_REVIEW_CODES).sort());
  });

  it('finds nothing at all in the valid package', () => {
    expect(reviewPackage('valid', 'advisory')).toEqual({ blockers: [], warnings: [], advisories: [] });
  });

  describe.each(Object.keys(FAILING) as AgentSpecReviewCode[])('%s', (code) => {
    const severity = AGENT_SPEC_REVIEW_CODES[code].severity;

    it(`reports the failing package as a ${severity}, where the problem is written, and nothing else`, () => {
      const result = reviewPackage(`${code}/fail`, 'advisory');
      expect(where(all(result))).toEqual(FAILING[code]);
      const list = { blocker: result.blockers, warning: result.warnings, advisory: result.advisories }[
        severity
      ];
      expect(list.length).toBe(FAILING[code].length);
      for (const found of list) expect(found.severity).toBe(severity);
    });

    it('accepts the passing package', () => {
      const directory = existsSync(new URL(`${code}/pass/`, FIXTURES)) ? `${code}/pass` : 'valid';
      expect(all(reviewPackage(directory, 'advisory'))).toEqual([]);
    });
  });
});

describe('review: modes and determinism', () => {
  const packages = [
    'valid',
    ...readdirSync(FIXTURES)
      .filter((name) => name !== 'valid')
      .sort()
      .map((name) => `${name}/fail`),
  ];

  it.each(packages)('%s: advisory mode adds advisories, never a blocker or a warning', (directory) => {
    const deterministic = reviewPackage(directory, 'deterministic');
    const advisory = reviewPackage(directory, 'advisory');
    expect(deterministic.advisories).toEqual([]);
    expect(advisory.blockers).toEqual(deterministic.blockers);
    expect(advisory.warnings).toEqual(deterministic.warnings);
  });

  it.each(packages)('%s: identical input gives byte-identical output', (directory) => {
    const first = JSON.stringify(reviewPackage(directory, 'advisory'));
    expect(JSON.stringify(reviewPackage(directory, 'advisory'))).toBe(first);
    expect(JSON.stringify(reviewPackage(directory, 'advisory'))).toBe(first);
  });

  it('does not depend on the order files or hosts are given in', () => {
    const oas = readFileSync(new URL('untrusted_external_url/fail/oas.json', FIXTURES), 'utf8');
    const secret = 'token: xoxb-EXAMPLE-0000000000-abcdefABCDEF';
    const files = { 'a.md': secret, 'z.md': secret, 'm/SKILL.md': secret, 'package.json': '{}' };
    const reversed = Object.fromEntries(Object.entries(files).reverse());
    const forward = review(oas, {
      mode: 'advisory',
      siblingFiles: files,
      allowedHosts: ['x.test', 'y.test'],
    });
    const backward = review(oas, {
      mode: 'advisory',
      siblingFiles: reversed,
      allowedHosts: ['y.test', 'x.test'],
    });
    expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
    expect(forward.blockers.map((found) => found.file)).toEqual([
      'a.md',
      'm/SKILL.md',
      'oas.json',
      'package.json',
      'z.md',
    ]);
  });

  it('a document that cannot be loaded still gets its package checked', () => {
    const result = review('{"agentspec_version": "26.1.0", "component_type": ', {
      mode: 'deterministic',
      packageJson: { name: 'x', version: '1.0.0' },
    });
    expect(where(result.blockers)).toEqual([
      'unreadable_document oas.json/component_type',
      'package_missing_license package.json/license',
    ]);
    expect(result.blockers[0]!.message).toMatch(/^invalid_json: .*line 1/);
  });

  it('package.json text that is not JSON', () => {
    const oas = readFileSync(new URL('valid/oas.json', FIXTURES), 'utf8');
    const result = review(oas, { mode: 'deterministic', siblingFiles: { 'package.json': '{ "name": ' } });
    expect(where(result.blockers)).toEqual(['package_json_unreadable package.json']);
    expect(result.blockers[0]!.message).toMatch(/^package\.json is not JSON: /);
  });

  it('packageJson may be given parsed, and wins over a package.json sibling', () => {
    const oas = readFileSync(new URL('valid/oas.json', FIXTURES), 'utf8');
    const result = review(oas, {
      mode: 'deterministic',
      packageJson: { name: '@acme/echo-agent', version: '2.0.0', license: 'MIT' },
      siblingFiles: { 'package.json': '{ broken' },
    });
    expect(where(result.blockers)).toEqual([
      'package_version_drift oas.json/metadata/cinatra/packageVersion',
    ]);
  });
  it('scans package.json value by value, whatever shape the caller gives it', () => {
    const oas = readFileSync(new URL('valid/oas.json', FIXTURES), 'utf8');
    const packageJson: Record<string, unknown> = {
      name: '@acme/echo-agent',
      version: '1.0.0',
      license: 'MIT',
      repository: { url: 'https://ci:ghp_EXAMPLEexample0123456789abcdefghijKLMN@github.com/acme/echo.git' },
    };
    packageJson.self = packageJson;
    const result = review(oas, { mode: 'deterministic', packageJson });
    expect(where(result.blockers)).toEqual(['literal_credential package.json/repository/url']);
  });
});

describe('review: credentials', () => {
  const secrets: Array<[string, string]> = [
    ['OpenAI API key', 'sk-proj-EXAMPLEexample0123456789abcdEFGHijkl'],
    ['Anthropic API key', 'sk-ant-api03-EXAMPLEexample0123456789abcd'],
    ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['GitHub token', 'ghp_EXAMPLEexample0123456789abcdefghijKLMN'],
    ['GitHub fine-grained token', 'github_pat_11EXAMPLE0example_0123456789abcdefghij'],
    ['Slack token', 'xoxb-1234567890-EXAMPLEexample'],
    ['Google API key', 'AIzaSyEXAMPLEexample0123456789abcdefghi'],
    ['Google OAuth token', 'ya29.EXAMPLEexample0123456789abcd'],
    ['GitLab token', 'glpat-EXAMPLEexample012345'],
    ['Stripe secret key', 'sk_live_EXAMPLEexample01234567'],
    [
      'JSON Web Token',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
    ['private key', '-----BEGIN RSA PRIVATE KEY-----'],
    ['password in URL', 'https://admin:hunter2-but-longer@db.example.com/prod'],
    ['high-entropy token', 'k9QmZ2xV7pLr4TbN8wYc3HsJ6dFg1AeU5oKi0'],
  ];

  it.each(secrets)('recognises a %s and never repeats it', (kind, secret) => {
    const matches = findCredentials(`config: "${secret}" end`);
    expect(matches.map((match) => match.kind)).toEqual([kind]);
    // At most the format's well-known prefix is shown, never the secret part.
    expect(matches[0]!.redacted.split('…')[0]!.length).toBeLessThanOrEqual(11);
    expect(matches[0]!.redacted).not.toContain(secret.slice(-8));
    expect(matches[0]!.redacted).not.toContain('hunter2');
  });

  it('reports a secret in a prompt without echoing it', () => {
    const doc = JSON.parse(readFileSync(new URL('valid/oas.json', FIXTURES), 'utf8'));
    const secret = 'sk-EXAMPLEexample0123456789abcdEFGH';
    doc.$referenced_components.ask.data.system = `You may call the API with ${secret}.`;
    const [found, ...rest] = review(doc, { mode: 'deterministic' }).blockers;
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      code: 'literal_credential',
      path: '/$referenced_components/ask/data/system',
    });
    expect(found!.message).not.toContain(secret.slice(3));
  });

  const harmless = [
    'Bearer {{ OPENAI_API_KEY }}',
    '{# {{ seedUrls }} #}{{ seedUrls | tojson }}',
    '${GITHUB_TOKEN}',
    '853f4c79-ccec-4061-bb82-82b67b96d021',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    '{{CINATRA_BASE_URL}}/api/agents/passthrough/ResultOutputVersion2',
    'https://registry.example.com/@acme/echo-agent/-/echo-agent-1.0.0.tgz?sig=Xk9QmZ2xV7pLr4TbN8wYc3HsJ6dFg1AeU5oKi0',
    'ValidateAgentSpecOptionsForTesting123',
    'x-Cinatra-Bridge-Token-Header2024',
    'sha512-AbC9dEfGhIjKlMnOpQrStUvWxYz0123456789+/abcdefXYZ==',
    'Summarize this article in 10 words: {{ article }}',
  ];
  it.each(harmless)('does not flag %s', (text) => {
    expect(findCredentials(text)).toEqual([]);
  });

  it('flags almost every generated 32-character token and no long identifier', () => {
    let flagged = 0;
    for (let index = 0; index < 500; index++) {
      const token = randomBytes(48).toString('base64').replace(/[+/=]/g, '').slice(0, 32);
      if (findCredentials(token).length > 0) flagged++;
    }
    expect(flagged).toBeGreaterThan(480);
  });
});

describe('review: URLs', () => {
  const cases: Array<[string, string]> = [
    ['{{CINATRA_BASE_URL}}/api/llm-bridge', 'environment'],
    ['{{ CINATRA_BASE_URL }}/api/llm-bridge', 'environment'],
    ['/api/llm-bridge', 'relative'],
    ['', 'empty'],
    ['{{ target }}/x', 'from_input'],
    ['https://{{ tenant }}.example.com/x', 'from_input'],
    ['http://localhost:3000/x', 'loopback'],
    ['http://127.0.0.1:8000', 'loopback'],
    ['http://[::1]:8000/x', 'loopback'],
    ['https://api.example.com/v1', 'allowed'],
    ['https://API.Example.com.:443/v1', 'allowed'],
    ['https://eu.models.example.org/v1', 'allowed'],
    ['https://models.example.org/v1', 'external'],
    ['https://user:pw@evil.test/x', 'external'],
    ['//evil.test/x', 'external'],
    ['evil.test:8080/x', 'external'],
    ['mailto:someone', 'invalid'],
  ];
  it.each(cases)('%s is %s', (url, kind) => {
    expect(classifyUrl(url, ['api.example.com', '*.models.example.org']).kind).toBe(kind);
  });
});
