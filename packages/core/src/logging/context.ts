import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields that follow a unit of work through every log line it causes. */
export interface LogContext {
  requestId?: string;
  gameId?: string;
  [key: string]: string | number | undefined;
}

const storage = new AsyncLocalStorage<LogContext>();

export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
