import { KernelError, type Logger } from '@cinatra/kernel';

export interface McpSessionLimits {
  /** A session with no request or event stream open for this long is closed. */
  idleMs: number;
  /** Sessions one principal may hold open (those being initialized count too). */
  perPrincipal: number;
}

/** What the table needs of a session: who opened it, and how to end it. */
export interface ClosableSession {
  readonly principalId: string;
  close(): Promise<void>;
}

interface Entry<S> {
  session: S;
  /** Set once initialize has assigned the id. */
  id: string | null;
  /** Requests (and event streams) being answered right now. */
  open: number;
  lastActiveAt: number;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * The open MCP sessions of one gateway, with their two limits.
 *
 * **Idle expiry.** A session is idle while none of its requests or event streams is open; once
 * idle for `idleMs` it is closed and forgotten, so its id gets 404 and a client following the
 * Streamable HTTP spec re-initializes. A client holding its notification stream (GET /mcp)
 * open is not idle, however quiet it is.
 *
 * **Per-principal cap.** A principal opening a session while it holds `perPrincipal` loses its
 * least recently active idle session (closed as on expiry: the client that left it behind
 * re-initializes on its next request, if it ever comes back). When every one of them is in use,
 * the new session is refused with a `conflict` problem naming the limit: closing a session a
 * client is actively listening on would only make two clients take turns evicting each other.
 */
export class McpSessionTable<S extends ClosableSession> {
  private readonly byId = new Map<string, Entry<S>>();
  private readonly byPrincipal = new Map<string, Set<Entry<S>>>();
  private readonly entries = new Map<S, Entry<S>>();

  constructor(
    private readonly limits: McpSessionLimits,
    private readonly logger: Logger,
  ) {}

  /**
   * Makes room for a new session of `session.principalId` and tracks it (not yet findable by
   * id: `initialized` does that). Throws `conflict` when the principal's sessions are all in use.
   */
  async admit(session: S): Promise<void> {
    const held = [...(this.byPrincipal.get(session.principalId) ?? [])];
    if (held.length >= this.limits.perPrincipal) {
      const idle = held
        .filter((entry) => entry.open === 0 && entry.id !== null)
        .sort((a, b) => a.lastActiveAt - b.lastActiveAt)[0];
      if (!idle) {
        throw new KernelError(
          'conflict',
          `You have ${held.length} MCP sessions open and each has a request or event stream in progress; end one (DELETE /mcp with its mcp-session-id) before starting another. The limit is the mcp.sessionsPerPrincipal setting (CINATRA_MCP_SESSIONS_PER_PRINCIPAL).`,
        );
      }
      this.logger.info(
        { sessionId: idle.id, principalId: session.principalId, limit: this.limits.perPrincipal },
        'MCP session closed to make room for a new one of the same principal',
      );
      await this.end(idle);
    }
    const entry: Entry<S> = { session, id: null, open: 0, lastActiveAt: Date.now(), idleTimer: null };
    this.entries.set(session, entry);
    let set = this.byPrincipal.get(session.principalId);
    if (!set) this.byPrincipal.set(session.principalId, (set = new Set()));
    set.add(entry);
  }

  /** Initialize gave the session its id: from now on it is found by it. */
  initialized(session: S, id: string): void {
    const entry = this.entries.get(session);
    if (!entry) return;
    entry.id = id;
    this.byId.set(id, entry);
  }

  /** The session with this id if `principalId` opened it and it has not expired. */
  find(id: string, principalId: string): S | undefined {
    const entry = this.byId.get(id);
    if (!entry || entry.session.principalId !== principalId) return undefined;
    if (entry.open === 0 && Date.now() - entry.lastActiveAt >= this.limits.idleMs) {
      void this.end(entry); // its timer has not fired yet
      return undefined;
    }
    return entry.session;
  }

  /** A request (or event stream) on the session started; call the result when it ends. */
  begin(session: S): () => void {
    const entry = this.entries.get(session);
    if (!entry) return () => {};
    entry.open += 1;
    entry.lastActiveAt = Date.now();
    this.clearTimer(entry);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      entry.open -= 1;
      entry.lastActiveAt = Date.now();
      if (entry.open === 0 && this.entries.get(session) === entry) this.startTimer(entry);
    };
  }

  /** Forgets the session (it closed itself: DELETE, or the transport ended). Does not close it. */
  forget(session: S): void {
    const entry = this.entries.get(session);
    if (!entry) return;
    this.clearTimer(entry);
    this.entries.delete(session);
    if (entry.id !== null && this.byId.get(entry.id) === entry) this.byId.delete(entry.id);
    const set = this.byPrincipal.get(session.principalId);
    set?.delete(entry);
    if (set?.size === 0) this.byPrincipal.delete(session.principalId);
  }

  /** Open sessions of `principalId` (including those being initialized). */
  count(principalId: string): number {
    return this.byPrincipal.get(principalId)?.size ?? 0;
  }

  /** Every session, for notifications. */
  sessions(): S[] {
    return [...this.entries.keys()];
  }

  /** Closes every session (server shutdown). */
  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    await Promise.allSettled(entries.map((entry) => this.end(entry)));
  }

  private async end(entry: Entry<S>): Promise<void> {
    this.forget(entry.session);
    try {
      await entry.session.close();
    } catch (error) {
      this.logger.debug({ err: error, sessionId: entry.id }, 'closing an MCP session failed');
    }
  }

  private startTimer(entry: Entry<S>): void {
    this.clearTimer(entry);
    entry.idleTimer = setTimeout(() => {
      if (entry.open > 0) return;
      this.logger.debug(
        { sessionId: entry.id, principalId: entry.session.principalId },
        'MCP session expired',
      );
      void this.end(entry);
    }, this.limits.idleMs);
    entry.idleTimer.unref();
  }

  private clearTimer(entry: Entry<S>): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = null;
  }
}
