/**
 * The little a library needs from a logger. Winston loggers (and the one from
 * `@sketchyaf/core`) satisfy it, so callers pass theirs straight in.
 */
export interface Logger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};
