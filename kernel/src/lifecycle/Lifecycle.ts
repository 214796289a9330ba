import { injectable, type InjectionToken } from 'tsyringe';

interface Closer {
  name: string;
  close(): Promise<void>;
}

/**
 * What the kernel must stop when it closes. Services that own background work or
 * connections (queue workers, stream readers, listeners, Redis clients) register a closer
 * when they start it; `Kernel.close()` runs the closers in reverse order of registration,
 * so a service is stopped before the things it depends on, then flushes the audit log and
 * closes the database pool.
 */
@injectable()
export class Lifecycle {
  private readonly closers: Closer[] = [];
  private closing = false;

  /** Registers `close`; returns a function that removes it again (for things stopped earlier). */
  onClose(name: string, close: () => Promise<void>): () => void {
    if (this.closing) throw new Error(`The kernel is closing; ${name} cannot start now.`);
    const closer = { name, close };
    this.closers.push(closer);
    return () => {
      const at = this.closers.indexOf(closer);
      if (at >= 0) this.closers.splice(at, 1);
    };
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Runs every closer, newest first; collects failures and throws them together at the end. */
  async closeAll(): Promise<void> {
    this.closing = true;
    const failures: unknown[] = [];
    while (this.closers.length > 0) {
      const closer = this.closers.pop()!;
      try {
        await closer.close();
      } catch (error) {
        failures.push(
          new Error(`${closer.name} did not close cleanly: ${(error as Error).message}`, { cause: error }),
        );
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'Some kernel services did not close cleanly');
  }
}

export const LIFECYCLE: InjectionToken<Lifecycle> = Lifecycle;
