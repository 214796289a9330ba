import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What the vendor test servers (`startOpenAiServer`, `startAnthropicServer`, `startGeminiServer`)
 * share: a loopback HTTP server that records every request and answers each from a queue of
 * planned replies, in the wire format of one vendor. A provider extension under test talks to it
 * through its official SDK, exactly as it would to the vendor.
 */

/** One request the server received, as the SDK sent it. */
export interface RecordedVendorRequest {
  method: string;
  /** The URL path, e.g. `/v1/chat/completions` or `/v1/models/gemini-3.8-flash:generateContent`. */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (the raw text when it is not JSON, `undefined` when empty). */
  body: unknown;
}

/** A function call the scripted model makes. */
export interface ScriptedToolCall {
  /** The vendor's call id; default: a numbered one (`call_1`, `toolu_1`…). Gemini: sent only when given. */
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** An HTTP error answer, in the vendor's error body format unless `body` replaces it. */
export interface ScriptedHttpError {
  status: number;
  /** E.g. `{ 'retry-after': '2' }`. */
  headers?: Record<string, string>;
  /** The vendor's error type or code (OpenAI `error.type`, Anthropic `error.type`, Gemini `error.status`); default: the vendor's own for `status`. */
  type?: string;
  /** OpenAI `error.code`. */
  code?: string;
  message?: string;
  /** The exact body to send instead (JSON-encoded when not a string). */
  body?: unknown;
}

/** An error the vendor reports inside a stream that has started (status 200), after `afterEvents` events. */
export interface ScriptedStreamError {
  afterEvents: number;
  type: string;
  message: string;
}

/** What every vendor's planned completion can say; each server adds its vendor's usage and finish fields. */
export interface ScriptedCompletionBase {
  /** The answer's text; an array gives the exact stream deltas (joined when not streaming). */
  text?: string | string[];
  toolCalls?: ScriptedToolCall[];
  /** The model the vendor reports; default: the requested one. */
  model?: string;
  /** Wait before answering (for deadline and cancellation tests). */
  delayMs?: number;
  /**
   * Cut the connection mid-answer: streaming, after this many stream events; not streaming, after
   * the response head and half of the body.
   */
  dropAfterEvents?: number;
  /** Report a vendor error inside the stream (streaming requests only). */
  streamError?: ScriptedStreamError;
}

/** Close the connection as soon as the request has arrived, without answering. */
export interface ScriptedDrop {
  drop: true;
}

export interface ScriptedErrorReply {
  error: ScriptedHttpError;
}

/** A running vendor test server. */
export interface VendorServer<Reply> {
  /** The value for the vendor SDK's base URL option (the extension's `baseUrl` setting). */
  readonly baseUrl: string;
  /** `127.0.0.1:<port>`: the network host to grant. */
  readonly host: string;
  /** Every request received, in order, answered or not. */
  readonly requests: RecordedVendorRequest[];
  /** Planned replies not used yet. */
  readonly pending: number;
  /** Appends planned replies; each request takes the next one. A request with none left gets a 500. */
  reply(...replies: Reply[]): void;
  /** Discards the planned replies not used yet; returns how many there were. */
  clearReplies(): number;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

/** A request being answered: the vendor server writes its reply through this. */
export interface Exchange {
  readonly request: RecordedVendorRequest;
  readonly response: ServerResponse;
  json(status: number, body: unknown, headers?: Record<string, string>): Promise<void>;
  /** Starts a server-sent event stream. */
  startStream(): void;
  /** Writes one stream frame, already in the vendor's framing (a no-op once the connection is cut). */
  writeFrame(frame: string): Promise<void>;
  endStream(): Promise<void>;
  /** Cuts the connection now. */
  drop(): void;
  /** Sends the head and half of `body`, then cuts the connection. */
  dropMidBody(status: number, body: unknown): Promise<void>;
}

export interface VendorServerOptions<Reply> {
  replies?: Reply[];
  /** Answers one request with the next planned reply (`undefined` when the script is exhausted). */
  answer(exchange: Exchange, next: () => Reply | undefined): Promise<void>;
  /** The part of `baseUrl` after the origin (OpenAI: `/v1`). */
  basePath?: string;
}

/** Starts a vendor server on 127.0.0.1 with a free port. */
export async function startVendorServer<Reply>(
  options: VendorServerOptions<Reply>,
): Promise<VendorServer<Reply>> {
  const queue: Reply[] = [...(options.replies ?? [])];
  const requests: RecordedVendorRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    receive(req)
      .then(async (request) => {
        requests.push(request);
        await options.answer(exchange(request, res), () => queue.shift());
      })
      .catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`vendor test server failed: ${String(error)}`);
        } else {
          res.destroy();
        }
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;

  return {
    baseUrl: `http://${host}${options.basePath ?? ''}`,
    host,
    requests,
    get pending() {
      return queue.length;
    },
    reply(...replies) {
      queue.push(...replies);
    },
    clearReplies() {
      return queue.splice(0).length;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function receive(req: IncomingMessage): Promise<RecordedVendorRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
  };
}

function exchange(request: RecordedVendorRequest, response: ServerResponse): Exchange {
  const write = (chunk: string) =>
    new Promise<void>((resolve) => {
      if (response.destroyed) return resolve();
      response.write(chunk, () => resolve());
    });
  return {
    request,
    response,
    async json(status, body, headers = {}) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      await new Promise<void>((resolve) => response.end(text, () => resolve()));
    },
    startStream() {
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      response.flushHeaders();
    },
    writeFrame: write,
    async endStream() {
      await new Promise<void>((resolve) => response.end(() => resolve()));
    },
    drop() {
      response.socket?.destroy();
    },
    async dropMidBody(status, body) {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      await write(text.slice(0, Math.floor(text.length / 2)));
      response.socket?.destroy();
    },
  };
}

/** Waits `ms` (when positive) before a reply is written. */
export async function delay(ms: number | undefined): Promise<void> {
  if (ms && ms > 0) await sleep(ms);
}

/** The scripted text as stream deltas: the given array, or the text split after each space. */
export function textDeltas(text: string | string[] | undefined): string[] {
  if (text === undefined) return [];
  if (Array.isArray(text)) return text.filter((delta) => delta !== '');
  return text.match(/[^ ]+ *| +/g) ?? [];
}

export function joinedText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

/** Splits a JSON argument string into the partial pieces a vendor streams (deterministic). */
export function jsonPieces(json: string, size = 12): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < json.length; at += size) pieces.push(json.slice(at, at + size));
  return pieces;
}

/** A rough, deterministic token count for usage the script does not give: four characters a token. */
export function roughTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Plain object check for request validation. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Writes the frames of a streamed answer, honouring the script's cut or in-stream error:
 * `frames` in order; after `dropAfterEvents` frames the connection is cut, after
 * `streamError.afterEvents` frames `errorFrame` is written and the stream ends.
 */
export async function writeStream(
  exchange: Exchange,
  frames: string[],
  plan: Pick<ScriptedCompletionBase, 'dropAfterEvents' | 'streamError'>,
  errorFrame: (error: ScriptedStreamError) => string,
): Promise<void> {
  exchange.startStream();
  for (let index = 0; index <= frames.length; index++) {
    if (plan.dropAfterEvents !== undefined && index === Math.min(plan.dropAfterEvents, frames.length)) {
      exchange.drop();
      return;
    }
    if (plan.streamError && index === plan.streamError.afterEvents) {
      await exchange.writeFrame(errorFrame(plan.streamError));
      await exchange.endStream();
      return;
    }
    if (index === frames.length) break;
    await exchange.writeFrame(frames[index]!);
  }
  await exchange.endStream();
}
