// An open-loop load generator: requests leave on a fixed schedule whatever
// the answers, so a slow server meets more load, not less (closed-loop tools
// wait for answers and hide the queueing). Latency counts from the scheduled
// send time, so a generator that falls behind charges the delay to the result.
import http from 'node:http';

export interface Answer {
  /** HTTP status, or 0 for a connection error or a timeout. */
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
  /** Sockets at most (answers beyond them queue in the client, and count). */
  maxSockets?: number;
  timeoutMs?: number;
}

export interface OpenLoopResult {
  answers: Answer[];
  /** How far behind its schedule the generator sent, at worst, ms. */
  maxSendLagMs: number;
}

const errorCode = (text: string): string => /"code":"([a-z_]+)"/.exec(text)?.[1] ?? '';

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { hostname, port, pathname } = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 1024 });
  const total = Math.round(options.rate * options.seconds);
  const answers: Answer[] = [];
  const pending: Promise<void>[] = [];
  let maxSendLagMs = 0;

  const send = (i: number, scheduled: number): Promise<void> =>
    new Promise((resolve) => {
      const body = options.body(i);
      const done = (status: number, code: string): void => {
        answers.push({ status, code, ms: performance.now() - scheduled });
        resolve();
      };
      const req = http.request(
        {
          agent,
          hostname,
          port,
          path: pathname,
          method: 'POST',
          headers: { ...options.headers, 'content-length': Buffer.byteLength(body) },
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => done(res.statusCode ?? 0, res.statusCode === 202 ? '' : errorCode(text)));
          res.on('error', () => done(0, 'response_error'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => done(0, (err as NodeJS.ErrnoException).code ?? err.message));
      req.end(body);
    });

  const started = performance.now();
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - started) / 1000) * options.rate) + 1);
    for (; sent < due; sent += 1) {
      const scheduled = started + (sent * 1000) / options.rate;
      maxSendLagMs = Math.max(maxSendLagMs, now - scheduled);
      pending.push(send(sent, scheduled));
    }
    // Millisecond pacing: a busy loop would take a core from the server under test.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  agent.destroy();
  return { answers, maxSendLagMs };
}
