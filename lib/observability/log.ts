import pino, { type Logger } from 'pino';
import { env } from '@/lib/env';

const holder = globalThis as unknown as { __chorusLogger?: Logger };

/** Structured JSON logs (pino); one logger per process. */
export function logger(): Logger {
  if (!holder.__chorusLogger) {
    const level = process.env.NODE_ENV === 'test' && !process.env.LOG_LEVEL ? 'silent' : env().LOG_LEVEL;
    holder.__chorusLogger = pino({ level, base: { app: 'chorus' } });
  }
  return holder.__chorusLogger;
}
