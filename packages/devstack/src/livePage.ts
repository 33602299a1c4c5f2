import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { livePageHtml } from './livePageHtml.ts';

/**
 * `npm start`'s live view: a page that joins the demo's current game through
 * @sketchyaf/player-client in the browser. This small server hands the page
 * the player client (TypeScript sources with the types stripped, as ES
 * modules), the pubnub SDK's browser build, and a player token for the game
 * it should show. Development only: nothing here ships in the image.
 */

/** Where the page finds the game to show and the services to reach. */
export interface LivePageSource {
  /** The demo's most recent game, or undefined before the first one. */
  currentGame(): string | undefined;
  broadcasterUrl: string;
  pubnubOrigin: string;
  subscribeKey: string;
  /** A token with `tokens:grant`, to mint player tokens (Access Manager on); none: channels are open. */
  grantToken: string | undefined;
}

export interface LivePage {
  readonly url: string;
  /** Starts answering `/config` from `source` (before: 503). */
  attach(source: LivePageSource): void;
  stop(): Promise<void>;
}

const playerClientSrc = fileURLToPath(new URL('../../player-client/src/', import.meta.url));
const pubnubBrowserBuild = join(
  dirname(fileURLToPath(import.meta.resolve('pubnub/package.json'))),
  'dist',
  'web',
  'pubnub.min.js',
);

/** The JavaScript of a player-client module; imports keep their `.ts` names, which this server answers. */
async function playerClientModule(name: string): Promise<string | undefined> {
  const file = normalize(join(playerClientSrc, name));
  if (!file.startsWith(playerClientSrc) || file.slice(playerClientSrc.length).includes(sep)) return undefined;
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: true,
    },
  }).outputText;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

let viewers = 0;

/** The page's settings for the current game; `previous`: the game the page showed last, never again. */
async function pageConfig(
  source: LivePageSource,
  previous: string | null,
): Promise<{ status: number; body: unknown }> {
  const gameId = source.currentGame();
  if (gameId === undefined || gameId === previous)
    return { status: 503, body: { error: 'no new demo game yet' } };
  // Each page view is its own player, as two phones would be.
  const userId = `live-page-${++viewers}`;
  let token: string | undefined;
  if (source.grantToken !== undefined) {
    const res = await fetch(`${source.broadcasterUrl}/v1/access-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${source.grantToken}` },
      body: JSON.stringify({ userId, gameIds: [gameId], ttlMinutes: 60 }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { token?: unknown };
    if (res.status !== 200 || typeof body.token !== 'string')
      return { status: 502, body: { error: `POST /v1/access-tokens answered ${res.status}` } };
    token = body.token;
  }
  const origin = new URL(source.pubnubOrigin);
  return {
    status: 200,
    body: {
      gameId,
      userId,
      token,
      baseUrl: source.broadcasterUrl,
      subscribeKey: source.subscribeKey,
      pubnubOrigin: origin.host,
      ssl: origin.protocol === 'https:',
    },
  };
}

interface Answer {
  status: number;
  type: string;
  body: string | Buffer;
}

const text = (status: number, body: string): Answer => ({ status, type: 'text/plain', body });
const javascript = (body: string | Buffer): Answer => ({
  status: 200,
  type: 'text/javascript; charset=utf-8',
  body,
});

async function answer(req: IncomingMessage, source: LivePageSource | null): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (req.method !== 'GET') return text(405, 'GET only');
  if (path === '/') return { status: 200, type: 'text/html; charset=utf-8', body: livePageHtml };
  if (path === '/vendor/pubnub.js') return javascript(await readFile(pubnubBrowserBuild));
  if (path.startsWith('/player-client/') && path.endsWith('.ts')) {
    const js = await playerClientModule(path.slice('/player-client/'.length));
    return js === undefined ? text(404, 'no such module') : javascript(js);
  }
  if (path === '/config') {
    if (source === null) return { status: 503, type: 'application/json', body: '{"error":"starting"}' };
    const { status, body } = await pageConfig(source, url.searchParams.get('after'));
    return { status, type: 'application/json', body: JSON.stringify(body) };
  }
  return text(404, 'not found');
}

export async function startLivePage(options: { port: number; host?: string }): Promise<LivePage> {
  let source: LivePageSource | null = null;
  const server = createServer((req, res) => {
    answer(req, source)
      .then((a) => {
        send(res, a.status, a.type, a.body);
      })
      .catch((err: unknown) => {
        send(res, 500, 'text/plain', String(err));
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    attach(next) {
      source = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
