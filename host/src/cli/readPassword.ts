import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { EXIT_USAGE, fail, type CliIo } from './output.js';

export const MIN_PASSWORD_LENGTH = 12;

/**
 * The new admin's password, from the first source that applies:
 *   1. stdin, with `--password-stdin` (scripts: `printf %s "$PW" | cinatra admin create …`);
 *   2. a prompt, twice and without echo, when stdin is a terminal;
 *   3. `CINATRA_ADMIN_PASSWORD` (containers and CI, where there is no terminal).
 * Never a command-line argument: those end up in shell history and `ps` output.
 */
export async function readPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = (await readAll(io.stdin)).replace(/\r?\n$/, '');
  } else if (io.stdin.isTTY) {
    const prompt = openHiddenPrompt(io);
    try {
      password = await prompt.ask('Password: ');
      checkLength(password);
      if ((await prompt.ask('Repeat password: ')) !== password) {
        fail('The two passwords differ: run the command again and type the same password twice.');
      }
    } finally {
      prompt.close();
    }
  } else if (io.env.CINATRA_ADMIN_PASSWORD) {
    password = io.env.CINATRA_ADMIN_PASSWORD;
  } else {
    fail(
      'No password given: pipe it in with --password-stdin, set CINATRA_ADMIN_PASSWORD, or run the command in a terminal to be prompted.',
      EXIT_USAGE,
    );
  }
  checkLength(password);
  return password;
}

function checkLength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    fail(`The password is too short (${password.length} characters): use at least ${MIN_PASSWORD_LENGTH}.`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads lines from the terminal without showing them. readline in terminal mode puts the
 * TTY into raw mode (so the terminal itself does not echo) and echoes through its output
 * stream, which here discards everything. One interface serves every question, opened
 * before the first prompt is shown, so nothing typed ahead is ever echoed in cooked mode.
 */
function openHiddenPrompt(io: CliIo): { ask(prompt: string): Promise<string>; close(): void } {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: io.stdin, output: muted, terminal: true });
  const lines: string[] = [];
  let waiting: ((line: string | null) => void) | undefined;
  let ended = false;
  const deliver = (line: string | null) => {
    if (line === null) ended = true;
    else lines.push(line);
    const wake = waiting;
    waiting = undefined;
    wake?.(lines.length > 0 ? lines.shift()! : null);
  };
  rl.on('line', (line) => deliver(line));
  // Ctrl+C in raw mode arrives as a readline event, not as a process signal; Ctrl+D closes.
  rl.on('SIGINT', () => deliver(null));
  rl.on('close', () => deliver(null));

  return {
    async ask(prompt) {
      io.stderr.write(prompt);
      const line =
        lines.length > 0
          ? lines.shift()!
          : ended
            ? null
            : await new Promise<string | null>((r) => (waiting = r));
      io.stderr.write('\n');
      if (line === null) fail('Cancelled: no administrator was created.');
      return line;
    },
    close: () => rl.close(),
  };
}
