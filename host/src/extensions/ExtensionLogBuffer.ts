import { injectable, type InjectionToken } from 'tsyringe';
import type { ProcessLogger } from '@cinatra/sdk/process';

export type ExtensionLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line of an extension's recent log, as the admin API shows it. */
export interface ExtensionLogLine {
  /** ISO 8601 time the platform saw the line. */
  at: string;
  level: ExtensionLogLevel;
  message: string;
}

/** Lines kept per extension; older ones are dropped. */
export const EXTENSION_LOG_LINES = 200;
/** A longer message is cut here (an extension could log megabytes in one call). */
const MAX_MESSAGE_CHARS = 2_000;

/**
 * The last {@link EXTENSION_LOG_LINES} log lines of each extension's processes, in memory, by
 * extension name: what the extension logged through `host.log`, its stdout (info) and stderr
 * (warn), refused egress and memory kills (what its `ExtensionProcess` reports) and crashes
 * (what the supervisor sees). Lines are kept across restarts of the process and lost when the
 * platform stops; the platform's own log (pino) has them all.
 */
@injectable()
export class ExtensionLogBuffer {
  private readonly buffers = new Map<string, ExtensionLogLine[]>();

  append(name: string, level: ExtensionLogLevel, message: string, at = new Date()): void {
    let lines = this.buffers.get(name);
    if (!lines) {
      lines = [];
      this.buffers.set(name, lines);
    }
    lines.push({
      at: at.toISOString(),
      level,
      message: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
    });
    if (lines.length > EXTENSION_LOG_LINES) lines.splice(0, lines.length - EXTENSION_LOG_LINES);
  }

  /** The extension's kept lines, oldest first. */
  lines(name: string): ExtensionLogLine[] {
    return [...(this.buffers.get(name) ?? [])];
  }

  /** A logger that writes to `logger` and keeps each line for `name` (after `prefix`). */
  tee(name: string, logger: ProcessLogger, prefix = ''): ProcessLogger {
    const at =
      (level: ExtensionLogLevel) =>
      (fields: Record<string, unknown>, message: string): void => {
        logger[level](fields, message);
        this.append(name, level, prefix + describeLine(fields, message));
      };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }
}

/**
 * The message with what its fields add: the data an extension logged with it (`{ data }`), an
 * error's message, or the process's own fields (`{ target }` of refused egress). `stream`
 * (stdout/stderr) is what the level already says.
 */
function describeLine(fields: Record<string, unknown>, message: string): string {
  if ('data' in fields) return fields.data === undefined ? message : `${message} ${compact(fields.data)}`;
  const { stream: _stream, err, ...rest } = fields;
  const parts = [message];
  if (err instanceof Error) parts.push(`(${err.message})`);
  if (Object.keys(rest).length > 0) parts.push(compact(rest));
  return parts.join(' ');
}

function compact(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

export const EXTENSION_LOG_BUFFER: InjectionToken<ExtensionLogBuffer> = ExtensionLogBuffer;
