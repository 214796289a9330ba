import { ref, type Ref } from 'vue';

export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface EventStreamOptions {
  /** Listeners by SSE event name; `data` is the parsed JSON. */
  on: Record<string, (data: unknown, lastEventId: string) => void>;
  /**
   * Called each time the stream (re)opens: re-read the state from the server so nothing
   * missed while disconnected stays stale. The stream itself resumes from the last event id.
   */
  resync?: () => void | Promise<void>;
  /** Resume after this event id on the first connection (e.g. the `changeSeq` of a list). */
  lastEventId?: string;
  /** Longest wait between reconnection attempts after the browser gave up (default 30 s). */
  maxBackoffMs?: number;
}

export interface EventStream {
  status: Ref<StreamStatus>;
  close(): void;
}

/**
 * A Server-Sent Events subscription that survives dropped connections. The browser retries on
 * its own while it can; when it gives up (the server went away, a proxy answered an error)
 * a new stream is opened with back-off, resuming after the last event seen.
 */
export function openEventStream(url: string, options: EventStreamOptions): EventStream {
  const status = ref<StreamStatus>('connecting');
  let source: EventSource | null = null;
  let lastEventId = options.lastEventId ?? '';
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function open(): void {
    if (closed) return;
    const separator = url.includes('?') ? '&' : '?';
    source = new EventSource(
      lastEventId ? `${url}${separator}lastEventId=${encodeURIComponent(lastEventId)}` : url,
      { withCredentials: true },
    );
    source.onopen = () => {
      attempt = 0;
      status.value = 'open';
      void options.resync?.();
    };
    source.onerror = () => {
      status.value = 'reconnecting';
      if (source?.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      source.close();
      source = null;
      const delay = Math.min(options.maxBackoffMs ?? 30_000, 1000 * 2 ** attempt);
      attempt += 1;
      timer = setTimeout(open, delay);
    };
    for (const [name, listener] of Object.entries(options.on)) {
      source.addEventListener(name, (event) => {
        const message = event as MessageEvent<string>;
        if (message.lastEventId) lastEventId = message.lastEventId;
        listener(JSON.parse(message.data), message.lastEventId);
      });
    }
  }

  open();
  return {
    status,
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
      source = null;
      status.value = 'closed';
    },
  };
}
