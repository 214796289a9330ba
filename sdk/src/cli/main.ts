#!/usr/bin/env node
// The `cinatra-ext` executable (sdk/package.json "bin"). Behaviour lives in runExtCli.
import { runExtCli } from './runExtCli.js';

process.exitCode = await runExtCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
});
