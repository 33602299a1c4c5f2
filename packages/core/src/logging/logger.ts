import winston from 'winston';
import type { LogLevel } from '../config/loadConfig.ts';
import { currentLogContext } from './context.ts';
import { serializeErrorsIn } from './errorFields.ts';

export type Logger = winston.Logger;

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** JSON lines for machines (staging, production); readable lines for people. */
  format: 'json' | 'pretty';
  /** Where lines go instead of stderr (tests read them). */
  stream?: NodeJS.WritableStream;
}

const addContext = winston.format((info) => {
  const context = currentLogContext();
  if (context) {
    for (const [key, value] of Object.entries(context)) {
      if (value !== undefined && info[key] === undefined) info[key] = value;
    }
  }
  return info;
});

// An Error in a field (`{ err }`, nested, or as a cause) would serialize as `{}`: keep its name,
// message, code, cause and stack.
const serializeErrors = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) {
    const serialized = serializeErrorsIn(value);
    if (serialized !== value) info[key] = serialized;
  }
  return info;
});

/** Readable lines show an error as its message in the line and its stack (with causes) below it. */
function prettyError(value: unknown): { inline: string; below: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { message, stack, cause } = value as { message?: unknown; stack?: unknown; cause?: unknown };
  if (typeof message !== 'string' || typeof stack !== 'string') return undefined;
  const causes: string[] = [];
  for (let c = cause; typeof c === 'object' && c !== null; c = (c as { cause?: unknown }).cause) {
    const { stack: causeStack, message: causeMessage } = c as { stack?: unknown; message?: unknown };
    causes.push(`caused by: ${String(causeStack ?? causeMessage)}`);
  }
  return { inline: JSON.stringify(message), below: [stack, ...causes].join('\n') };
}

const pretty = winston.format.printf((info) => {
  const { level, message, timestamp, service, ...rest } = info;
  const below: string[] = [];
  const fields = Object.entries(rest)
    .filter(([key]) => typeof key === 'string')
    .map(([key, value]) => {
      const error = prettyError(value);
      if (error) below.push(error.below);
      return `${key}=${error ? error.inline : typeof value === 'string' ? value : JSON.stringify(value)}`;
    })
    .join(' ');
  const line = `${String(timestamp)} ${level} [${String(service)}] ${String(message)}${fields ? ` ${fields}` : ''}`;
  return [line, ...below].join('\n');
});

export function createLogger(options: LoggerOptions): Logger {
  const silent = options.level === 'silent';
  return winston.createLogger({
    level: silent ? 'error' : options.level,
    silent,
    defaultMeta: { service: options.service },
    format: winston.format.combine(
      addContext(),
      winston.format.errors({ stack: true }),
      serializeErrors(),
      winston.format.timestamp(),
      options.format === 'json'
        ? winston.format.json()
        : winston.format.combine(winston.format.colorize(), pretty),
    ),
    // stderr keeps stdout free for what a command prints on purpose.
    // winston's own transports; their typings come from a second copy of winston-transport.
    transports: [
      options.stream
        ? // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- as above
          new winston.transports.Stream({ stream: options.stream })
        : // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- as above
          new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }),
    ],
  });
}

/** For tests and tools: a logger that writes nothing. */
export function createSilentLogger(service = 'test'): Logger {
  return createLogger({ service, level: 'silent', format: 'json' });
}
