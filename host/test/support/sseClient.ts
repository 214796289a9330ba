/** A small Server-Sent Events client for the tests: frames are parsed as the spec says. */

export interface SseFrame {
  /** The `id:` field, when the frame had one. */
  id?: string;
  event?: string;
  data: string;
}

/** Incremental parser: feed it chunks of text, get the complete frames (and comment lines). */
export class SseParser {
  private buffer = '';
  private frame: { id?: string; event?: string; data: string[] } = { data: [] };
  readonly comments: string[] = [];

  push(chunk: string): SseFrame[] {
    this.buffer += chunk;
    const frames: SseFrame[] = [];
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (line === '') {
        const { id, event, data } = this.frame;
        if (data.length > 0 || id !== undefined) frames.push({ id, event, data: data.join('\n') });
        this.frame = { data: [] };
      } else if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
      } else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') this.frame.id = value;
        else if (field === 'event') this.frame.event = value;
        else if (field === 'data') this.frame.data.push(value);
      }
    }
    return frames;
  }
}

export interface EventStreamResponse {
  response: Response;
  parser: SseParser;
  /** Complete frames as they arrive; ends when the server ends the response. */
  frames: AsyncGenerator<SseFrame>;
}

/** Opens `url` as an event stream (with `Last-Event-ID` when given); abort `signal` to disconnect. */
export async function openEventStream(
  url: string,
  options: { lastEventId?: string; signal?: AbortSignal } = {},
): Promise<EventStreamResponse> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(url, { headers, signal: options.signal });
  const parser = new SseParser();
  async function* frames(): AsyncGenerator<SseFrame> {
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      yield* parser.push(decoder.decode(chunk, { stream: true }));
    }
  }
  return { response, parser, frames: frames() };
}
