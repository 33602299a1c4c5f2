// A page in headless Chromium driven over the DevTools protocol: unlike
// --dump-dom, it can watch a page whose script keeps changing it (a live
// subscription never lets the page go idle). Chromium as the status page's
// test finds it (services/health/test/chromium.ts).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from '@sketchyaf/testkit';

export interface ChromiumPage {
  /** The value of `expression` in the page (JSON-serializable). */
  evaluate<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}

async function devtoolsPort(stderr: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      reject(new Error(`chromium did not open DevTools within 30 s: ${text.slice(-500)}`));
    }, 30_000);
    stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
}

/** Opens `url` in a fresh headless Chromium. */
export async function openPage(url: string): Promise<ChromiumPage> {
  const binary = await findChromium();
  const profile = await mkdtemp(join(tmpdir(), 'sketchyaf-chromium-'));
  const child = spawn(
    binary,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const port = await devtoolsPort(child.stderr);
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const target = targets.find((t) => t.type === 'page');
    if (!target) throw new Error('chromium has no page target');
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('DevTools socket failed')), { once: true });
    });
    let nextId = 0;
    const waiting = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
    socket.addEventListener('message', (event: { data: unknown }) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      if (message.id !== undefined) waiting.get(message.id)?.(message);
    });
    const call = (method: string, params: Record<string, unknown>): Promise<unknown> => {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method}: no answer within 15 s`)), 15_000);
        waiting.set(id, (message) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (message.error) reject(new Error(`${method}: ${message.error.message}`));
          else resolve(message.result);
        });
        socket.send(JSON.stringify({ id, method, params }));
      });
    };
    await call('Page.navigate', { url });
    return {
      async evaluate<T>(expression: string): Promise<T> {
        const result = (await call('Runtime.evaluate', { expression, returnByValue: true })) as {
          result: { value?: unknown };
          exceptionDetails?: { text: string };
        };
        if (result.exceptionDetails) throw new Error(`in the page: ${result.exceptionDetails.text}`);
        return result.result.value as T;
      },
      async close() {
        socket.close();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
