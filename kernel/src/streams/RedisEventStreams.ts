import type { Redis } from 'ioredis';
import type { CinatraConfig } from '../config/CinatraConfig.js';
import type { RedisConnections } from '../redis/RedisConnections.js';
import type {
  AppendOptions,
  EventStreams,
  ReadOptions,
  StreamEvent,
  SubscribeOptions,
} from './EventStreams.js';
import {
  assertStreamKey,
  encodeData,
  readLimit,
  requireId,
  SUBSCRIBE_PAGE,
  terminatedError,
} from './streamInput.js';
import { subscription } from './subscription.js';

const ID = /^[0-9]{1,20}-[0-9]{1,20}$/;
const TERMINATED = 'CINATRA_STREAM_TERMINATED';

/**
 * XADD and, for the terminal event, EXPIRE in one atomic step. Only a terminal stream has
 * a TTL, so a TTL is how the script knows the stream has ended and refuses the append.
 * KEYS[1] stream; ARGV: max length, data, '1' when terminal, TTL seconds.
 */
const APPEND_SCRIPT = `
if redis.call('TTL', KEYS[1]) >= 0 then return redis.error_reply('${TERMINATED}') end
if ARGV[3] == '1' then
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[2], 't', '1')
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return id
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[2])
`;

type Entry = [id: string, fields: string[]];
/** RESP3 (ioredis' default) gives the key→entries map flattened; RESP2 a list of pairs. */
type XReadReply = [key: string, entries: Entry[]] | Array<[key: string, entries: Entry[]]> | null;

function entriesOf(reply: XReadReply): Entry[] {
  if (!reply || reply.length === 0) return [];
  return (Array.isArray(reply[0]) ? (reply[0] as [string, Entry[]])[1] : reply[1]) as Entry[];
}

interface StreamCommands {
  cinatraStreamAppend(
    key: string,
    maxLength: number,
    data: string,
    terminal: string,
    ttl: number,
  ): Promise<string>;
}

/**
 * Event streams as Redis Streams under `<redisKeyPrefix>:stream:<key>`. Ids are Redis
 * stream ids (`<ms>-<seq>`). Trimming is `MAXLEN ~` (Redis drops whole internal nodes, so
 * a stream may briefly hold somewhat more than `streams.maxLength` events); a terminal
 * stream expires by TTL. Each subscriber holds its own connection for `XREAD BLOCK`,
 * released when it ends.
 */
export class RedisEventStreams implements EventStreams {
  private client: (Redis & StreamCommands) | null = null;
  private readers = 0;

  constructor(
    private readonly config: CinatraConfig,
    private readonly redis: RedisConnections,
  ) {}

  get activeSubscriptions(): number {
    return this.readers;
  }

  parseId(text: string): string | null {
    return ID.test(text) ? text : null;
  }

  async append(key: string, data: unknown, options: AppendOptions = {}): Promise<string> {
    assertStreamKey(key);
    const json = encodeData(data);
    const { maxLength, terminalTtlSeconds } = this.config.streams;
    try {
      return await this.commands().cinatraStreamAppend(
        this.redisKey(key),
        maxLength,
        json,
        options.terminal === true ? '1' : '0',
        terminalTtlSeconds,
      );
    } catch (error) {
      if ((error as Error).message?.includes(TERMINATED)) throw terminatedError(key);
      throw error;
    }
  }

  async read(key: string, options: ReadOptions = {}): Promise<StreamEvent[]> {
    assertStreamKey(key);
    const start =
      options.after === undefined ? '-' : `(${requireId((t) => this.parseId(t), options.after, 'after')}`;
    const entries = (await this.commands().xrange(
      this.redisKey(key),
      start,
      '+',
      'COUNT',
      readLimit(options.limit),
    )) as Entry[];
    return entries.map(toEvent);
  }

  subscribe(key: string, options: SubscribeOptions = {}): AsyncIterable<StreamEvent> {
    assertStreamKey(key);
    const after =
      options.after === undefined ? '0-0' : requireId((t) => this.parseId(t), options.after, 'after');
    return subscription(options.signal, (signal) => this.tail(this.redisKey(key), after, signal));
  }

  private async *tail(
    redisKey: string,
    after: string,
    signal: AbortSignal,
  ): AsyncGenerator<StreamEvent, void> {
    if (signal.aborted) return;
    const reader = this.redis.open('stream-reader');
    this.readers += 1;
    // Aborting drops the connection, which ends a pending XREAD BLOCK at once.
    const drop = () => reader.disconnect();
    signal.addEventListener('abort', drop, { once: true });
    try {
      // `block` once a non-blocking read came back empty and the stream had not ended.
      let block = false;
      let checkedEnd = false;
      while (!signal.aborted) {
        const page = ['COUNT', SUBSCRIBE_PAGE, ...(block ? ['BLOCK', 0] : []), 'STREAMS', redisKey, after];
        let reply: XReadReply;
        try {
          reply = (await reader.call('XREAD', ...page)) as XReadReply;
        } catch (error) {
          if (signal.aborted) return;
          throw error;
        }
        const entries = entriesOf(reply);
        if (entries.length === 0) {
          // A TTL means the terminal event was appended. It may have arrived just after the
          // read above, so end only after one more empty read.
          if (checkedEnd) return;
          if ((await this.commands().ttl(redisKey)) >= 0) checkedEnd = true;
          else block = true;
          continue;
        }
        for (const entry of entries) {
          const event = toEvent(entry);
          yield event;
          after = event.id;
          if (event.terminal) return;
        }
      }
    } finally {
      signal.removeEventListener('abort', drop);
      this.readers -= 1;
      await this.redis.release(reader);
    }
  }

  private redisKey(key: string): string {
    return `${this.config.redisKeyPrefix}:stream:${key}`;
  }

  private commands(): Redis & StreamCommands {
    if (!this.client) {
      const client = this.redis.open('streams');
      client.defineCommand('cinatraStreamAppend', { numberOfKeys: 1, lua: APPEND_SCRIPT });
      this.client = client as Redis & StreamCommands;
    }
    return this.client;
  }
}

function toEvent([id, fields]: Entry): StreamEvent {
  let data: unknown = null;
  let terminal = false;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'd') data = JSON.parse(fields[i + 1]!);
    else if (fields[i] === 't') terminal = fields[i + 1] === '1';
  }
  return { id, data, terminal };
}
