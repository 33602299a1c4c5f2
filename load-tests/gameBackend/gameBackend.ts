// A stand-in for the game backend, for load tests. The real backend owns the
// games table and starts games with SQL (docs/contract.md, "Table `games`");
// the k6 scripts cannot speak SQL, so this small HTTP server does it for them:
//
//   POST /games              {"count":n,"totalRounds":r,"phaseDurations":{…},"start":false,"runId":"…"} -> 201 {"gameIds":[…]}
//   POST /games/<id>/start   -> 204 (UPDATE games SET status = 'briefing'), 409 if not waiting
//   POST /runs/<runId>/cancel -> 200 {"cancelled":n}: every game of the run not yet over goes to cancelled (k6 teardown)
//   GET  /livez              -> 200
//
// `npm run load` and the load-test workflow run it on loopback. Against a real
// deployment (staging) it runs next to the database with a bearer token
// (GAME_BACKEND_TOKEN, main.ts), reached through `kubectl port-forward`: it
// writes the games table, so it never faces players and never runs in production.
import http from 'node:http';
import pg from 'pg';

export interface GameBackendOptions {
  databaseUrl: string;
  port: number;
  host?: string;
  /** Bearer token every request but GET /livez must carry; empty or absent: none (loopback only). */
  token?: string;
}

export interface GameBackend {
  readonly url: string;
  stop(): Promise<void>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const runIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

interface CreateRequest {
  count: number;
  totalRounds: number;
  phaseDurations: Record<string, number>;
  start: boolean;
  /** Groups the games of one load-test run, for POST /runs/<runId>/cancel. */
  runId?: string;
}

/** Whether a host only listens on this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Validates a POST /games body; a message names the first problem. */
export function parseCreateRequest(body: unknown): CreateRequest | string {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  const b = body as Record<string, unknown>;
  const count = b['count'] ?? 1;
  const totalRounds = b['totalRounds'] ?? 3;
  const durations = b['phaseDurations'] ?? {};
  const start = b['start'] ?? false;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10_000)
    return 'count must be an integer from 1 to 10000';
  if (
    typeof totalRounds !== 'number' ||
    !Number.isInteger(totalRounds) ||
    totalRounds < 1 ||
    totalRounds > 100
  )
    return 'totalRounds must be an integer from 1 to 100';
  if (typeof durations !== 'object' || durations === null || Array.isArray(durations))
    return 'phaseDurations must be an object';
  const phaseDurations: Record<string, number> = {};
  for (const [key, value] of Object.entries(durations)) {
    if (typeof value !== 'number') return `phaseDurations.${key} must be a number`;
    phaseDurations[key] = value;
  }
  if (typeof start !== 'boolean') return 'start must be a boolean';
  const runId = b['runId'];
  if (runId === undefined) return { count, totalRounds, phaseDurations, start };
  if (typeof runId !== 'string' || !runIdPattern.test(runId))
    return 'runId must be 1 to 64 letters, digits, - or _';
  return { count, totalRounds, phaseDurations, start, runId };
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk);
  }
  return chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
}

function send(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startGameBackend(options: GameBackendOptions): Promise<GameBackend> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? '';
  // It writes the games table: anywhere but loopback it takes only callers with the token.
  if (!isLoopback(host) && token.length < 16)
    throw new Error(`game backend stand-in: listening on ${host} needs a token of 16 characters or more`);
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 8 });
  pool.on('error', () => undefined);
  // The games each load-test run created (runId -> ids), for its teardown.
  const runs = new Map<string, string[]>();

  const create = async (r: CreateRequest): Promise<string[]> => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO games (total_rounds, phase_durations)
       SELECT $2, $3::jsonb FROM generate_series(1, $1) RETURNING id::text`,
      [r.count, r.totalRounds, JSON.stringify(r.phaseDurations)],
    );
    const ids = rows.map((row) => row.id);
    if (r.runId !== undefined) runs.set(r.runId, [...(runs.get(r.runId) ?? []), ...ids]);
    if (r.start) await pool.query(`UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])`, [ids]);
    return ids;
  };

  const cancelRun = async (runId: string): Promise<number> => {
    const ids = runs.get(runId) ?? [];
    runs.delete(runId);
    if (ids.length === 0) return 0;
    const { rowCount } = await pool.query(
      `UPDATE games SET status = 'cancelled'
        WHERE id = ANY($1::uuid[]) AND status NOT IN ('completed', 'cancelled')`,
      [ids],
    );
    return rowCount ?? 0;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const startMatch = /^\/games\/([^/]+)\/start$/.exec(path);
        const cancelMatch = /^\/runs\/([^/]+)\/cancel$/.exec(path);
        if (req.method === 'GET' && path === '/livez') {
          send(res, 200, { ok: true });
          return;
        }
        if (token && req.headers.authorization !== `Bearer ${token}`) {
          send(res, 401, { error: 'missing or wrong bearer token (GAME_BACKEND_TOKEN)' });
          return;
        }
        if (req.method === 'POST' && path === '/games') {
          const parsed = parseCreateRequest(await readJson(req));
          if (typeof parsed === 'string') {
            send(res, 400, { error: parsed });
            return;
          }
          send(res, 201, { gameIds: await create(parsed) });
        } else if (req.method === 'POST' && startMatch) {
          const id = startMatch[1] ?? '';
          if (!uuidPattern.test(id)) {
            send(res, 404, { error: 'no such game' });
            return;
          }
          const { rowCount } = await pool.query(
            `UPDATE games SET status = 'briefing' WHERE id = $1 AND status = 'waiting'`,
            [id],
          );
          if (rowCount === 1) send(res, 204);
          else send(res, 409, { error: 'no waiting game with this id' });
        } else if (req.method === 'POST' && cancelMatch) {
          const runId = cancelMatch[1] ?? '';
          if (!runIdPattern.test(runId)) {
            send(res, 404, { error: 'no such run' });
            return;
          }
          send(res, 200, { cancelled: await cancelRun(runId) });
        } else {
          send(res, 404, { error: 'not found' });
        }
      } catch (err) {
        send(res, 500, { error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
