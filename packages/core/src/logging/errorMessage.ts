/**
 * Any thrown value as one line of text, for a status page, a readiness detail
 * or an error message of our own (log records take `errorFields` instead,
 * which keeps the stack). A cause's code is added when the message lacks it:
 * fetch's "fetch failed" says nothing without ECONNREFUSED.
 */
export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && !err.message.includes(code)) return `${err.message} (${code})`;
  return err.message;
}
