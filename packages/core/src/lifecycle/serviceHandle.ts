/** What every service's start() returns. */
export interface ServiceHandle {
  /** Graceful stop; safe to call twice. */
  stop(): Promise<void>;
  /** Settles when the service has stopped, or rejects if it died. */
  readonly done: Promise<void>;
}
