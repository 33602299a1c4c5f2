// k6 provides `console` (log, info, warn, error, debug); @types/k6 does not declare it.
declare global {
  const console: {
    log(...values: unknown[]): void;
    info(...values: unknown[]): void;
    warn(...values: unknown[]): void;
    error(...values: unknown[]): void;
    debug(...values: unknown[]): void;
  };
}
export {};
