import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A minimal, deterministic reader and writer for npm-style package tarballs (gzip'd ustar,
 * every entry under `package/`). Written here rather than taken from a tar library because
 * the signature covers the tarball's exact bytes: the writer must produce the same bytes for
 * the same files on every machine, and the reader must refuse anything that is not a plain
 * file (links, devices, paths escaping the package) before an installer unpacks it.
 */

/** npm's fixed mtime for packed files (1985-10-26T08:15:00Z), so packing is reproducible. */
const FIXED_MTIME = 499162500;
const FILE_MODE = 0o644;
const BLOCK = 512;
export const TARBALL_PREFIX = 'package/';

/** The largest tarball the reader accepts (decompressed), against gzip bombs. */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

export class TarballError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarballError';
  }
}

/** Writes `files` (package-relative `/`-separated paths) as a gzip'd tarball, sorted by path. */
export function writeTarball(files: ReadonlyMap<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const path of [...files.keys()].sort(comparePaths)) {
    const data = files.get(path)!;
    blocks.push(header(`${TARBALL_PREFIX}${path}`, data.length));
    blocks.push(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

/**
 * Reads a tarball into package-relative paths (the `package/` prefix stripped). Throws
 * `TarballError` for anything other than regular files and directories, paths outside
 * `package/`, `..` segments, duplicates, or a truncated archive.
 */
export function readTarball(tgz: Buffer): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    throw new TarballError(`not a gzip'd tarball (${(error as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= tar.length) {
    const head = tar.subarray(offset, offset + BLOCK);
    if (head.every((byte) => byte === 0)) break;
    if (!checksumMatches(head)) throw new TarballError(`bad header checksum at byte ${offset}`);
    const size = parseOctal(head.subarray(124, 136));
    const type = String.fromCharCode(head[156]!);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) throw new TarballError('truncated archive');
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    const name = longName ?? ustarName(head);
    longName = null;
    if (type === '5') continue;
    if (type !== '0' && type !== '\0') {
      throw new TarballError(`"${name}" is not a regular file (type ${JSON.stringify(type)})`);
    }
    const path = packagePath(name);
    if (files.has(path)) throw new TarballError(`"${path}" appears twice`);
    files.set(path, Buffer.from(data));
  }
  return files;
}

/** Byte-wise path order (what `sort()` gives for ASCII), so every tool agrees on "sorted". */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function packagePath(name: string): string {
  if (!name.startsWith(TARBALL_PREFIX)) throw new TarballError(`"${name}" is outside package/`);
  const path = name.slice(TARBALL_PREFIX.length);
  const segments = path.split('/');
  if (path === '' || path.includes('\\') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new TarballError(`"${name}" is not a plain relative path`);
  }
  return path;
}

function header(name: string, size: number): Buffer {
  const head = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    // ustar splits long paths at a `/` into prefix (155 bytes) and name (100 bytes).
    const at = [...name.matchAll(/\//g)]
      .map((m) => m.index)
      .find((i) => Buffer.byteLength(name.slice(0, i)) <= 155 && Buffer.byteLength(name.slice(i + 1)) <= 100);
    if (at === undefined) throw new TarballError(`path too long for a tarball: ${name}`);
    prefix = name.slice(0, at);
    base = name.slice(at + 1);
  }
  head.write(base, 0, 100, 'utf8');
  writeOctal(head, 100, 8, FILE_MODE);
  writeOctal(head, 108, 8, 0);
  writeOctal(head, 116, 8, 0);
  writeOctal(head, 124, 12, size);
  writeOctal(head, 136, 12, FIXED_MTIME);
  head.fill(' ', 148, 156);
  head.write('0', 156, 1, 'latin1');
  head.write('ustar\u000000', 257, 8, 'latin1');
  head.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of head) sum += byte;
  writeOctal(head, 148, 7, sum);
  head[155] = 0x20;
  return head;
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1');
}

function parseOctal(field: Buffer): number {
  const text = cString(field).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarballError(`bad number field "${text}"`);
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function ustarName(head: Buffer): string {
  const name = cString(head.subarray(0, 100));
  const isUstar = head.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = isUstar ? cString(head.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function checksumMatches(head: Buffer): boolean {
  const stored = parseOctal(head.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i]!;
  return stored === sum;
}

/** The `path` record of a pax extended header, if any. */
function paxPath(data: Buffer): string | null {
  let offset = 0;
  let path: string | null = null;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(data.subarray(offset, space).toString('latin1'), 10);
    if (!Number.isFinite(length) || length <= 0) throw new TarballError('bad pax header');
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    offset += length;
  }
  return path;
}
