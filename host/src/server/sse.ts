import { once } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KernelError } from '@cinatra/kernel';
import type { CinatraServer } from './createServer.js';

/** One Server-Sent Events frame. `data` is sent as JSON. */
export interface SseEvent {
  id: string;
  /** The SSE `event:` field (the EventSource listener name); omitted means "message". */
  event?: string;
  data: unknown;
}

export interface SseOptions<Cursor> {
  /**
   * Parses a resume id (the `Last-Event-ID` header, or the `lastEventId` query parameter
   * for clients that cannot set headers). Returns null when the text is not an id this
   * stream could have sent: the request is refused with 400 `validation_failed`.
   */
  parseId(text: string): Cursor | null;
  /**
   * The events after `after` (from the start when undefined): catch up, then follow live.
   * The helper pulls one event at a time, only as fast as the client reads, and calls
   * `return()` on the iterator when the client goes away or the server shuts down (the
   * `signal` aborts then, too). Ending the iterator ends the response.
   */
  source(after: Cursor | undefined, signal: AbortSignal): AsyncIterable<SseEvent>;
  /** Comment frames sent while no event goes out, so proxies keep the connection (default 15 s). */
  heartbeatMs?: number;
  /** Reconnection delay the browser should use, sent once as `retry:` (default 1 s). */
  retryMs?: number;
}

export const LAST_EVENT_ID_HEADER = 'last-event-id';
const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_RETRY_MS = 1_000;

/** The OpenAPI shape of a streaming route's 200 response. */
export const SSE_RESPONSE = {
  description: 'Server-Sent Events: every frame has an `id:`; reconnect with `Last-Event-ID` to resume.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
} as const;

const openStreams = new WeakMap<object, Set<AbortController>>();

/** Ends every open event stream when the server closes, so a graceful stop is not held up by them. */
export function registerSseShutdown(app: CinatraServer): void {
  const streams = new Set<AbortController>();
  openStreams.set(app.server, streams);
  app.addHook('preClose', async () => {
    for (const controller of streams) controller.abort();
  });
}

/**
 * Answers `request` with an event stream. Every streaming route uses this, so they all
 * share the same behaviour: ids on every frame, resume from `Last-Event-ID` (validated
 * before anything is sent), heartbeats, backpressure (the next event is pulled only once
 * the socket has drained) and a clean close from either side.
 */
export async function sendEventStream<Cursor>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: SseOptions<Cursor>,
): Promise<void> {
  const after = resumePoint(request, options);
  const controller = new AbortController();
  const streams = openStreams.get(request.server.server);
  streams?.add(controller);

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
  });
  res.write(`retry: ${options.retryMs ?? DEFAULT_RETRY_MS}\n\n`);

  const closed = () => controller.abort();
  res.once('close', closed);
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let lastWrite = Date.now();
  const heartbeat = setInterval(
    () => {
      if (Date.now() - lastWrite < heartbeatMs || res.writableNeedDrain) return;
      res.write(': heartbeat\n\n');
      lastWrite = Date.now();
    },
    Math.max(10, Math.floor(heartbeatMs / 2)),
  );
  heartbeat.unref();

  const iterator = options.source(after, controller.signal)[Symbol.asyncIterator]();
  try {
    while (!controller.signal.aborted) {
      const next = await nextOrAbort(iterator, controller.signal);
      if (next === ABORTED || next.done) break;
      if (!res.write(frame(next.value))) {
        await once(res, 'drain', { signal: controller.signal }).catch(() => {});
      }
      lastWrite = Date.now();
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      request.log.error({ err: error }, 'event stream source failed');
      if (!res.destroyed) res.write(`event: error\ndata: ${JSON.stringify({ code: 'internal_error' })}\n\n`);
    }
  } finally {
    clearInterval(heartbeat);
    res.off('close', closed);
    streams?.delete(controller);
    controller.abort();
    await iterator.return?.().catch(() => {});
    if (!res.destroyed) res.end();
  }
}

function resumePoint<Cursor>(request: FastifyRequest, options: SseOptions<Cursor>): Cursor | undefined {
  const header = request.headers[LAST_EVENT_ID_HEADER];
  const query = (request.query as Record<string, unknown> | undefined)?.lastEventId;
  const [text, path] =
    typeof header === 'string'
      ? [header, '/headers/last-event-id']
      : typeof query === 'string'
        ? [query, '/querystring/lastEventId']
        : [undefined, ''];
  if (text === undefined || text === '') return undefined;
  const cursor = text.length <= 200 ? options.parseId(text) : null;
  if (cursor === null) {
    throw new KernelError('validation_failed', 'The Last-Event-ID is not an id this stream sent.', {
      errors: [{ path, message: 'must be the id of an event received from this stream' }],
    });
  }
  return cursor;
}

const ABORTED = Symbol('aborted');

/** The iterator's next value, or ABORTED as soon as the client is gone (a live tail may wait long). */
async function nextOrAbort<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | typeof ABORTED> {
  if (signal.aborted) return ABORTED;
  let onAbort!: () => void;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([iterator.next(), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function frame(event: SseEvent): string {
  if (/[\r\n]/.test(event.id) || (event.event && /[\r\n]/.test(event.event))) {
    throw new Error('SSE ids and event names must not contain line breaks');
  }
  const name = event.event ? `event: ${event.event}\n` : '';
  // JSON.stringify never emits raw line breaks, so the data fits on one `data:` line.
  return `id: ${event.id}\n${name}data: ${JSON.stringify(event.data)}\n\n`;
}
