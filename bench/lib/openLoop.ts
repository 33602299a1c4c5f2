// An open-loop load generator: requests leave on a fixed schedule whatever
// the answers, so a slow server meets more load, not less (closed-loop tools
// wait for answers and hide the queueing). Latency counts from the scheduled
// send time, so a generator that falls behind charges the delay to the result.
// Raw HTTP/1.1 on keep-alive sockets, one request at a time per socket (no
// pipelining: a refusal never waits behind a slow answer on its socket), with
// a minimal response parser: node:http's client costs more CPU per request
// than the server under test, and this machine has two cores for both.
import net from 'node:net';

export interface Answer {
  /** HTTP status, or 0 for a connection error or no answer by the end. */
  status: number;
  /** The error code of an error body (`overloaded`, `unavailable`, …), else ''. */
  code: string;
  /** From the scheduled send time to the end of the answer, ms. */
  ms: number;
}

export interface OpenLoopOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  headers: Record<string, string>;
  body(i: number): string;
  /** Sockets at most; requests beyond them wait in the generator, and that wait counts. */
  maxSockets?: number;
  /** How long after the last send answers are awaited. */
  drainMs?: number;
}

export interface OpenLoopResult {
  answers: Answer[];
  /** How far behind its schedule the generator sent, at worst, ms. */
  maxSendLagMs: number;
  /** Sockets opened. */
  sockets: number;
}

interface Conn {
  socket: net.Socket;
  buffer: Buffer;
  /** The scheduled time of the request in flight on it, or null when idle. */
  scheduled: number | null;
}

const errorCode = (text: string): string => /"code":"([a-z_]+)"/.exec(text)?.[1] ?? '';
const headerEnd = Buffer.from('\r\n\r\n');

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { hostname, port, pathname } = new URL(options.url);
  const head = (length: number): string =>
    `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n` +
    Object.entries(options.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    `content-length: ${length}\r\n\r\n`;
  const maxSockets = options.maxSockets ?? 1024;
  const total = Math.round(options.rate * options.seconds);
  const answers: Answer[] = [];
  const idle: Conn[] = [];
  const all = new Set<Conn>();
  const waiting: { i: number; scheduled: number }[] = [];
  let open = 0;
  let opened = 0;
  let maxSendLagMs = 0;
  let settle: (() => void) | undefined;

  const answer = (scheduled: number, status: number, code: string): void => {
    answers.push({ status, code, ms: performance.now() - scheduled });
    if (answers.length === total) settle?.();
  };

  const write = (conn: Conn, i: number, scheduled: number): void => {
    const body = options.body(i);
    conn.scheduled = scheduled;
    conn.socket.write(head(Buffer.byteLength(body)) + body);
  };

  const release = (conn: Conn): void => {
    const next = waiting.shift();
    if (next) write(conn, next.i, next.scheduled);
    else idle.push(conn);
  };

  /** Takes every complete response off the buffer (one at most: one request in flight). */
  const onData = (conn: Conn, chunk: Buffer): void => {
    conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
    const end = conn.buffer.indexOf(headerEnd);
    if (end === -1) return;
    const headers = conn.buffer.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? Number.NaN);
    if (!Number.isFinite(length)) {
      conn.socket.destroy(new Error('response without content-length'));
      return;
    }
    const size = end + 4 + length;
    if (conn.buffer.length < size) return;
    const status = Number(headers.slice(9, 12));
    const code = status === 202 ? '' : errorCode(conn.buffer.subarray(end + 4, size).toString('utf8'));
    conn.buffer = conn.buffer.subarray(size);
    const scheduled = conn.scheduled ?? performance.now();
    conn.scheduled = null;
    answer(scheduled, status, code);
    release(conn);
  };

  const connect = (i: number, scheduled: number): void => {
    open += 1;
    opened += 1;
    const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
    const conn: Conn = { socket, buffer: Buffer.alloc(0), scheduled: null };
    socket.on('data', (chunk: Buffer) => onData(conn, chunk));
    socket.once('connect', () => write(conn, i, scheduled));
    all.add(conn);
    const gone = (err?: NodeJS.ErrnoException): void => {
      if (!all.delete(conn)) return;
      open -= 1;
      if (!socket.destroyed) socket.destroy();
      const at = idle.indexOf(conn);
      if (at !== -1) idle.splice(at, 1);
      if (conn.scheduled !== null) {
        const pending = conn.scheduled;
        conn.scheduled = null;
        answer(pending, 0, err?.code ?? 'closed');
      }
    };
    socket.once('error', gone);
    socket.once('close', () => gone());
  };

  const send = (i: number, scheduled: number): void => {
    const conn = idle.pop();
    if (conn) write(conn, i, scheduled);
    else if (open < maxSockets) connect(i, scheduled);
    else waiting.push({ i, scheduled });
  };

  const started = performance.now();
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - started) / 1000) * options.rate) + 1);
    for (; sent < due; sent += 1) {
      const scheduled = started + (sent * 1000) / options.rate;
      maxSendLagMs = Math.max(maxSendLagMs, now - scheduled);
      send(sent, scheduled);
    }
    // Millisecond pacing: a busy loop would take a core from the server under test.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (answers.length < total) {
    const drained = new Promise<void>((resolve) => (settle = resolve));
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, options.drainMs ?? 30_000))]);
  }
  const missing = total - answers.length;
  settle = undefined;
  for (const conn of all) {
    conn.scheduled = null;
    conn.socket.destroy();
  }
  for (let n = 0; n < missing; n += 1) answers.push({ status: 0, code: 'no_answer', ms: Number.NaN });
  return { answers, maxSendLagMs, sockets: opened };
}
