import type { InjectionToken } from 'tsyringe';
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOGGER: InjectionToken<Logger> = Symbol.for('cinatra.Logger');

export function createLogger(level: string, name = 'cinatra'): Logger {
  return pino({ name, level });
}
