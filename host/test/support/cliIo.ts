import { Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/output.js';

/** A CLI environment for `runCli` in-process: output captured, no stdin, `exitNow` throws. */
export function bufferIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdin: Readable.from([]),
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env,
    onSignal: () => () => {},
    exitNow: (code) => {
      throw new Error(`exitNow(${code})`);
    },
  };
}
