import { FIRST_ADMIN_SETUP, KernelError } from '@cinatra/kernel';
import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_OK, EXIT_USAGE, fail, Output, type CliIo } from './output.js';
import { readPassword } from './readPassword.js';
import { withKernel } from './withKernel.js';

export interface AdminCreateOptions extends GlobalOptions {
  email: string;
  name: string;
  passwordStdin?: boolean;
}

/**
 * `cinatra admin create`: makes a platform admin directly in the database. Whoever can
 * run this on the machine already holds the database, so no setup token is needed.
 */
export async function adminCreateCommand(io: CliIo, options: AdminCreateOptions): Promise<number> {
  const email = options.email.trim();
  const displayName = options.name.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    fail(`"${email}" is not an email address: pass --email like you@example.com.`, EXIT_USAGE);
  }
  if (displayName === '') fail("The name is empty: pass --name 'Your Name'.", EXIT_USAGE);
  // Configuration first, so a bad setting is reported before anyone types a password.
  const cli = loadCliConfig(io, options, 'command');
  const password = await readPassword(io, options.passwordStdin === true);

  const user = await withKernel(io, cli, 'apply', async (kernel) => {
    try {
      return await kernel.resolve(FIRST_ADMIN_SETUP).createAdmin({ email, displayName, password });
    } catch (error) {
      if (error instanceof KernelError && error.code === 'conflict') {
        fail(
          `A user with that email already exists (${email}): sign in as that user, or choose another --email.`,
        );
      }
      throw error;
    }
  });

  const out = new Output(io);
  out.line(`Created platform admin ${user.email} (user id ${user.id}).`);
  out.next(`cinatra start, then sign in as ${user.email}`);
  return EXIT_OK;
}
