import { AUDIT_LOG } from '@cinatra/kernel';
import { loadCliConfig, type GlobalOptions } from './loadCliConfig.js';
import { EXIT_FAILURE, EXIT_OK, Output, type CliIo } from './output.js';
import { withKernel } from './withKernel.js';

/** `cinatra audit verify`: recomputes the audit hash chain and reports the first break. */
export async function auditVerifyCommand(io: CliIo, options: GlobalOptions): Promise<number> {
  const cli = loadCliConfig(io, options, 'command');
  const result = await withKernel(io, cli, 'require', (kernel) => kernel.resolve(AUDIT_LOG).verify());
  const out = new Output(io);
  if (result.ok) {
    out.line(`Audit chain intact: ${result.checked} events verified.`);
    return EXIT_OK;
  }
  const { seq, id, problem } = result.brokenAt;
  // A broken chain is the answer to the question asked, but still a failure for scripts.
  out.note(
    `Audit chain BROKEN at event #${seq} (${id}): ${problem}. ${result.checked} events before it verified.`,
  );
  return EXIT_FAILURE;
}
