import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@sketchyaf/core';

export interface CapturedLogs {
  /** The service's own JSON logger (same format as production), writing here instead of stderr. */
  logger: Logger;
  /** Every line written so far, parsed. */
  lines: Record<string, unknown>[];
}

/** A production JSON logger whose lines a test can read. */
export function captureLogs(service = 'test', level: 'debug' | 'info' = 'info'): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service, level, format: 'json', stream }), lines };
}
