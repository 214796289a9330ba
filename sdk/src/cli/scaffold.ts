import { readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { validateManifest } from '../manifest/validateManifest.js';

export interface ScaffoldInput {
  /** Target directory; created, must be empty if it exists. */
  dir: string;
  /** npm package name; default `@<publisher>/<directory name>`. */
  name?: string;
  /** Publisher id; default the name's scope, else `my-publisher`. */
  publisher?: string;
}

export interface Scaffolded {
  name: string;
  publisher: string;
  files: string[];
}

const SDK_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Writes a small, working extension: one MCP tool that uses a setting and the host API, a test
 * that runs it in a real extension process through `@cinatra/sdk/testing` with `node --test`
 * (no test framework to install), a README and a .gitignore. The manifest is validated before
 * anything is written, so a bad `--name` or `--publisher` fails with the schema's reason.
 */
export async function scaffoldExtension(input: ScaffoldInput): Promise<Scaffolded> {
  const slug = toSlug(basename(input.dir));
  const scope = input.name?.match(/^@([^/]+)\//)?.[1];
  const publisher = input.publisher ?? scope ?? 'my-publisher';
  const name = input.name ?? `@${publisher}/${slug}`;
  const manifest = {
    name,
    version: '0.1.0',
    description: `${titleOf(name)}: a Cinatra extension`,
    type: 'module',
    files: ['index.js'],
    scripts: {
      test: 'node --test',
      pack: 'cinatra-ext pack .',
    },
    devDependencies: { '@cinatra/sdk': `^${SDK_VERSION}` },
    engines: { node: '>=24.11.0' },
    cinatra: {
      apiVersion: 1,
      kinds: ['mcp-tools'],
      displayName: titleOf(name),
      publisher,
      engine: '^1.0.0',
      entry: 'index.js',
      contributes: {
        mcpTools: [
          {
            name: 'greet',
            description: 'Greets someone by name, with the greeting the operator configured',
            inputSchema: {
              type: 'object',
              properties: { name: { type: 'string', description: 'Who to greet' } },
              required: ['name'],
              additionalProperties: false,
            },
            annotations: { readOnlyHint: true },
          },
        ],
      },
      settings: {
        greeting: { type: 'string', description: 'How to greet', default: 'Hello' },
      },
      permissions: ['notifications.send'],
      resources: { memoryMb: 64, callTimeoutMs: 10000, concurrency: 4 },
    },
  };
  validateManifest(manifest);

  const existing = await readdir(input.dir).catch(() => [] as string[]);
  if (existing.length > 0) {
    throw new Error(`${input.dir} is not empty; choose a new directory`);
  }
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(manifest, null, 2)}\n`,
    'index.js': INDEX_JS,
    'test/greet.test.js': TEST_JS,
    'README.md': readme(name, publisher),
    '.gitignore': 'node_modules/\n*.tgz\n*.sigstore.json\n*.key.pem\n',
  };
  await mkdir(join(input.dir, 'test'), { recursive: true });
  for (const [path, text] of Object.entries(files)) await writeFile(join(input.dir, path), text);
  return { name, publisher, files: Object.keys(files) };
}

function toSlug(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^[-._]+|-+$/g, '');
  return slug || 'my-extension';
}

function titleOf(name: string): string {
  const last = name.replace(/^@[^/]+\//, '');
  return last.replace(/[-_.]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
}

const INDEX_JS = `import { defineExtension } from '@cinatra/sdk';

/**
 * The extension's entry (package.json → cinatra.entry). The platform runs it in its own process
 * and calls \`activate\` once with the host API built from the permissions an operator granted;
 * each tool handler answers one tool declared in cinatra.contributes.mcpTools.
 */
export default defineExtension({
  activate(host) {
    return {
      tools: {
        greet: async ({ name }, call) => {
          const text = \`\${host.settings.greeting}, \${name}!\`;
          host.log.info('greeted', { name, traceId: call.traceId });
          if (call.actor) {
            // Needs the notifications.send permission; goes to the user the call is made for.
            await host.notifications.send({ level: 'info', title: text });
          }
          return { content: [{ type: 'text', text }], structuredContent: { text } };
        },
      },
    };
  },
});
`;

const TEST_JS = `import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startExtension } from '@cinatra/sdk/testing';

// Runs the extension in a real, isolated extension process, as the platform does.
const dir = fileURLToPath(new URL('..', import.meta.url));
let ext;

before(async () => {
  ext = await startExtension(dir, { settings: { greeting: 'Hi' } });
});
after(() => ext?.stop());

test('greet answers with the configured greeting and notifies the caller', async () => {
  const result = await ext.callTool('greet', { name: 'Ada' });
  assert.equal(result.isError, undefined);
  assert.deepEqual(result.structuredContent, { text: 'Hi, Ada!' });
  assert.equal(ext.notifications.length, 1);
  assert.equal(ext.notifications[0].title, 'Hi, Ada!');
  assert.ok(ext.logs.some((line) => line.message === 'greeted' && line.fields.name === 'Ada'));
});

test('without the notifications.send grant the host API refuses', async () => {
  const bare = await startExtension(dir, { permissions: [] });
  try {
    await assert.rejects(bare.callTool('greet', { name: 'Ada' }), (error) => {
      assert.match(error.message, /notifications\\.send/);
      return true;
    });
  } finally {
    await bare.stop();
  }
});
`;

function readme(name: string, publisher: string): string {
  return `# ${name}

A [Cinatra](https://cinatra.dev) extension contributing the MCP tool \`greet\`.

\`\`\`sh
npm install
npm test                                   # runs the extension in a real extension process
\`\`\`

## Files

- \`package.json\`: the manifest (\`cinatra\` block): tools with their input schemas, settings,
  permissions, resources. \`npx cinatra-ext pack .\` validates it.
- \`index.js\`: \`defineExtension({ activate(host) { … } })\`; \`host\` is the host API built from
  the permissions an operator granted (\`host.secrets.read\`, \`host.queue.enqueue\`,
  \`host.notifications.send\`, \`host.log\`, \`host.settings\`, \`host.storage.dir\`).
- \`test/greet.test.js\`: \`startExtension(dir, { permissions, settings, secrets, network })\` from
  \`@cinatra/sdk/testing\`, then \`ext.callTool(…)\`; \`ext.logs\`, \`ext.notifications\`,
  \`ext.enqueued\`, \`ext.hostCalls\` record what the extension did.

## Sign and ship

\`\`\`sh
npx cinatra-ext keygen --out ~/.cinatra-keys    # once; keep the private key secret
npx cinatra-ext pack .
npx cinatra-ext sign ${name.replace(/^@/, '').replace('/', '-')}-0.1.0.tgz --key ~/.cinatra-keys/cinatra-signing.key.pem
\`\`\`

Operators trust your public key for publisher \`${publisher}\`
(\`cinatra trust add-key cinatra-signing.pub.pem --publisher ${publisher} --tier private\`) and
install the tarball with its \`.sigstore.json\` bundle.
`;
}
