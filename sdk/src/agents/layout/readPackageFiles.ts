import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** Files larger than this are not text an author wrote by hand; the review skips them. */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 500;

/**
 * The text files of an agent package other than its Agent Spec file, by path relative to the
 * package directory (`package.json`, `SKILL.md`, `cinatra/config.json`), for the review's
 * credential scan. Binary files (a NUL byte), large files, dot-directories and node_modules
 * are left out; symbolic links are not followed.
 */
export async function readPackageFiles(dir: string, agentFile: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let count = 0;
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (count >= MAX_FILES) return;
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path);
        continue;
      }
      if (!entry.isFile() || path === agentFile) continue;
      if ((await stat(path)).size > MAX_FILE_BYTES) continue;
      const bytes = await readFile(path);
      if (bytes.includes(0)) continue;
      files[relative(dir, path).split(sep).join('/')] = bytes.toString('utf8');
      count++;
    }
  };
  await walk(dir);
  return files;
}
