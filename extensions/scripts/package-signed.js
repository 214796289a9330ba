#!/usr/bin/env node
// Packs and signs a first-party extension with the built SDK CLI (`cinatra-ext`), as the last
// step of its `npm run build`. Run it from the extension's directory (npm does: scripts run in
// the workspace), which is the package it packs:
//
//   dist-package/<name>-<version>.tgz      the package (cinatra-ext pack)
//   dist-package/bundle.sigstore.json      its Sigstore bundle (cinatra-ext sign)
//
// Signing key: the PEM file named by CINATRA_FIRST_PARTY_KEY (release builds), else a local
// development key created once in <repo>/.cinatra-keys/ (gitignored, mode 0600). Offline and
// fast: no registry or Sigstore service is contacted. The result is verified before it is kept.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createPublicKey } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = process.cwd();
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
if (!existsSync(join(packageDir, 'package.json'))) {
  process.stderr.write(
    `package-signed: run it from an extension's directory (${packageDir} has no package.json).\n`,
  );
  process.exit(1);
}
const outDir = join(packageDir, 'dist-package');
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
// The SDK's "default" export is dist/index.js; the CLI is next to it.
const cli = join(dirname(createRequire(import.meta.url).resolve('@cinatra/sdk')), 'cli', 'main.js');

const run = (...args) =>
  execFileSync(process.execPath, [cli, ...args], { cwd: packageDir, stdio: ['ignore', 'pipe', 'inherit'] });

const releaseKey = process.env.CINATRA_FIRST_PARTY_KEY;
let keyFile;
if (releaseKey) {
  keyFile = resolve(releaseKey);
  if (!existsSync(keyFile)) {
    process.stderr.write(`CINATRA_FIRST_PARTY_KEY names ${keyFile}, which does not exist.\n`);
    process.exit(1);
  }
} else {
  const keyDir = join(repoRoot, '.cinatra-keys');
  keyFile = join(keyDir, 'cinatra-signing.key.pem');
  if (!existsSync(keyFile)) {
    // `npm run build` builds the extensions in parallel: each may find no key on a fresh clone.
    // The key is made in a directory of this process's own and linked into place, which succeeds
    // for exactly one of them; the others use that one, never a half-written file.
    mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    const scratch = mkdtempSync(join(keyDir, '.keygen-'));
    try {
      run('keygen', '--out', scratch);
      linkSync(join(scratch, 'cinatra-signing.key.pem'), keyFile);
      // Its public half beside it, for `cinatra trust add-key` (see extensions/github/README.md).
      linkSync(join(scratch, 'cinatra-signing.pub.pem'), join(keyDir, 'cinatra-signing.pub.pem'));
      process.stdout.write(`Created the local development signing key ${keyFile} (not for releases).\n`);
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}

const tarball = join(outDir, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
const bundle = join(outDir, 'bundle.sigstore.json');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
run('pack', '.', '--out', tarball);
run('sign', tarball, '--key', keyFile, '--out', bundle);

// Verify against the public half of the key just used, so a broken package never leaves the build.
const publicKeyFile = join(outDir, '.signing-key.pub.pem');
writeFileSync(publicKeyFile, createPublicKey(readFileSync(keyFile)).export({ type: 'spki', format: 'pem' }));
try {
  run('verify', tarball, '--bundle', bundle, '--key', publicKeyFile, '--publisher', pkg.cinatra.publisher);
} finally {
  rmSync(publicKeyFile, { force: true });
}
process.stdout.write(
  `Signed ${pkg.name}@${pkg.version} with ${releaseKey ? 'the first-party release key' : 'the local development key'} → ${tarball}\n`,
);
