#!/usr/bin/env node
// Bundles a first-party extension's entry (src/index.ts) and its npm dependencies (a vendor SDK)
// into one file, dist/index.js, as a step of its `npm run build`. Run it from the extension's
// directory. Why: the sandbox lets an extension read only its own package directory and nothing
// is installed at install time, so whatever the entry imports must ship inside the package.
// `@cinatra/sdk` stays external: the extension runtime provides it.
//
// The bundle is checked before it is kept: it may import only Node built-ins and `@cinatra/sdk`
// (a `require` of anything else would look outside the package and be refused by the sandbox).
import { rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'rolldown';

const packageDir = process.cwd();
const outFile = join(packageDir, 'dist', 'index.js');
rmSync(join(packageDir, 'dist'), { recursive: true, force: true });

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const allowed = (specifier) => specifier === '@cinatra/sdk' || builtins.has(specifier);

/**
 * Optional dependencies a vendor SDK tries inside `try { require(…) } catch {}` and that are not
 * installed (`ws` tries the native `bufferutil` and `utf-8-validate`): left as they are, Node
 * would look for them in node_modules directories above the package at load time, which the
 * sandbox refuses and reports. They become modules that throw "not found" at once instead.
 */
const leftOut = new Set();
const MISSING = '\0cinatra-missing:';
const missingOptional = {
  name: 'cinatra-missing-optional',
  async resolveId(source, importer, options) {
    if (allowed(source) || source.startsWith('\0') || !importer) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    if (resolved && !resolved.external) return resolved;
    leftOut.add(source);
    return { id: `${MISSING}${source}`, moduleSideEffects: true };
  },
  load(id) {
    if (!id.startsWith(MISSING)) return null;
    const name = JSON.stringify(id.slice(MISSING.length));
    return `throw Object.assign(new Error("Cannot find module " + ${name} + " (not bundled into this extension)"), { code: 'MODULE_NOT_FOUND' });`;
  },
};

/** Fails the build when the bundle would still load anything but Node built-ins and the SDK. */
const problems = [];
const selfContained = {
  name: 'cinatra-self-contained',
  // Before minification: CommonJS code bundled into ESM calls `__require(…)` for the built-ins;
  // anything else, or a computed name, would be resolved at run time outside the package.
  renderChunk(code, chunk) {
    for (const specifier of [...chunk.imports, ...chunk.dynamicImports]) {
      // A dynamic import inlined into this one file is reported as an import of the file itself.
      if (!allowed(specifier) && specifier !== chunk.fileName) problems.push(`imports ${specifier}`);
    }
    for (const match of code.matchAll(/\b__require\(([^)]*)\)/g)) {
      const literal = /^\s*["'`]([^"'`]+)["'`]\s*$/.exec(match[1]);
      if (!literal || !allowed(literal[1])) problems.push(`requires ${match[1].trim()} at run time`);
    }
    return null;
  },
};

await build({
  cwd: packageDir,
  input: join(packageDir, 'src', 'index.ts'),
  platform: 'node',
  external: ['@cinatra/sdk'],
  // Vendor SDKs ship both builds; the ESM one tree-shakes.
  resolve: { conditionNames: ['node', 'import', 'default'] },
  plugins: [missingOptional, selfContained],
  logLevel: 'warn',
  output: {
    file: outFile,
    format: 'esm',
    codeSplitting: false,
    // Minified to a third of the size; names kept, since SDKs read them (OpenAI's User-Agent is
    // its client class's name) and error names and stack traces stay readable.
    minify: true,
    keepNames: true,
  },
});

if (problems.length > 0) {
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  process.stderr.write(
    `bundle-extension: dist/index.js must be self-contained, but it ${[...new Set(problems)].join(', ')}\n`,
  );
  process.exit(1);
}
const kib = (statSync(outFile).size / 1024).toFixed(0);
const omitted =
  leftOut.size > 0 ? `; optional, not installed, left out: ${[...leftOut].sort().join(', ')}` : '';
process.stdout.write(`Bundled src/index.ts → dist/index.js (${kib} KiB${omitted})\n`);
