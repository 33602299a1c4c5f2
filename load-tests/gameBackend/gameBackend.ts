// A stand-in for the game backend, for load tests only. The real backend owns
// the games table and starts games with SQL (docs/contract.md, "Table `games`"); the
// k6 scripts cannot speak SQL, so this small HTTP server does it for them:
//
//   POST /games            {"count":n,"totalRounds":r,"phaseDurations":{…},"start":false} -> 201 {"gameIds":[…]}
//   POST /games/<id>/start -> 204 (UPDATE games SET status = 'briefing'), 409 if not waiting
//
// It listens on loopback only, has no authentication and is never deployed:
// it exists for `npm run load` and the load-test workflow.
import http from 'node:http';
import pg from 'pg';

export interface GameBackendOptions {
  databaseUrl: string;
  port: number;
  host?: string;
}

export interface GameBackend {
  readonly url: string;
  stop(): Promise<void>;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface CreateRequest {
  count: number;
  totalRounds: number;
  phaseDurations: Record<string, number>;
  start: boolean;
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
  return { count, totalRounds, phaseDurations, start };
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
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 8 });
  pool.on('error', () => undefined);

  const create = async (r: CreateRequest): Promise<string[]> => {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO games (total_rounds, phase_durations)
       SELECT $2, $3::jsonb FROM generate_series(1, $1) RETURNING id::text`,
      [r.count, r.totalRounds, JSON.stringify(r.phaseDurations)],
    );
    const ids = rows.map((row) => row.id);
    if (r.start) await pool.query(`UPDATE games SET status = 'briefing' WHERE id = ANY($1::uuid[])`, [ids]);
    return ids;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const startMatch = /^\/games\/([^/]+)\/start$/.exec(path);
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
        } else if (req.method === 'GET' && path === '/livez') {
          send(res, 200, { ok: true });
        } else {
          send(res, 404, { error: 'not found' });
        }
      } catch (err) {
        send(res, 500, { error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
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
