import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const PUBLISHER = 'acme';

export function fixtureManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '@acme/hello',
    version: '1.2.3',
    type: 'module',
    cinatra: {
      apiVersion: 1,
      kinds: ['mcp-tools'],
      displayName: 'Hello',
      publisher: PUBLISHER,
      engine: '^1.0.0',
      entry: 'dist/index.js',
      contributes: {
        mcpTools: [
          {
            name: 'say_hello',
            description: 'Says hello',
            inputSchema: { type: 'object', properties: { who: { type: 'string' } } },
          },
        ],
      },
      permissions: ['network:api.example.com'],
    },
    ...overrides,
  };
}

/** A small extension directory on disk, as an author would have it before `pack`. */
export async function writeFixtureExtension(
  manifest: Record<string, unknown> = fixtureManifest(),
  extraFiles: Record<string, string> = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cinatra-ext-'));
  const files: Record<string, string> = {
    'package.json': JSON.stringify(manifest, null, 2),
    'README.md': '# Hello\n',
    'dist/index.js': 'export default { activate() {} };\n',
    'dist/lib/util.js': 'export const x = 1;\n',
    ...extraFiles,
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}
